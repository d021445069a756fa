/**
 * `switchboard verify` as one function: read the vendor whole once, then check each claim of its config
 * against local evaluation of that read, each claim's own reads memoized (a filter's total reuses its read).
 */
import type { CompiledVendor } from '../dialect/vendor.js';
import type { VendorFailure } from '../errors/gateway-error.js';
import type { Clock } from '../state/clock.js';
import { UpstreamError, type Upstream } from '../upstream/client.js';
import { claimName, claimsOf, filterParams, orderParams, wholeParams, type Claim, type DeclaredFacts } from './claims.js';
import {
  checkCursorResume, checkDetail, checkFilter, checkFilterTotal, checkOrder, checkPaging, checkTotal, checkUnlisted,
  localPredicate, sampleValue, showValue, type Verdict, type VerdictStatus,
} from './check.js';
import { VendorReader, type Walk } from './read.js';

export interface ClaimReport {
  /** `filter status=open`, `order createdAt desc`, `paging`… */
  claim: string;
  kind: Claim['kind'];
  status: VerdictStatus;
  detail: string;
  ids?: string[];
  /** Vendor calls this claim made (reads shared with an earlier claim cost it none). */
  calls: number;
}

export interface VerifyReport {
  vendor: string;
  /** The vendor's origin (an embedded simulator's loopback URL). */
  url: string;
  simulator: boolean;
  /** The whole read every claim is checked against; absent when the vendor could not be read. */
  /** `pageSize` null: the vendor answers everything at once. */
  whole?: { conversations: number; pages: number; pageSize: number | null; calls: number; total: number | null; dropped: number; truncated: string | null };
  /** Why the vendor could not be read at all. */
  unreadable?: VendorFailure;
  claims: ClaimReport[];
  summary: Record<VerdictStatus, number>;
}

export interface VerifyDeps {
  upstream: Upstream;
  clock: Clock;
  requestId: string;
  simulator: boolean;
}

export async function verifyVendor(v: CompiledVendor, declared: DeclaredFacts, deps: VerifyDeps): Promise<VerifyReport> {
  const reader = new VendorReader(v, deps.upstream, deps.clock, deps.requestId);
  const report: VerifyReport = { vendor: v.name, url: v.origin, simulator: deps.simulator, claims: [], summary: { verified: 0, differs: 0, cantCheck: 0 } };
  const max = v.paging.maxPageSize;
  let whole: Walk;
  try {
    whole = await reader.walk(wholeParams(v), max);
  } catch (e) {
    if (!(e instanceof UpstreamError)) throw e;
    report.unreadable = v.scrub(e.failure);
    return report;
  }
  report.whole = {
    conversations: new Set(whole.items.map((i) => i.id)).size,
    pages: whole.pageStarts.length,
    pageSize: Number.isFinite(whole.size) ? whole.size : null,
    calls: reader.calls,
    total: whole.total,
    dropped: whole.dropped,
    truncated: whole.truncated,
  };

  const keyOf = (params: readonly [string, string][], size: number) => `${size} ${new URLSearchParams([...params]).toString()}`;
  // The whole read is one of them: an order the vendor gives unasked is checked on it, at no call.
  const reads = new Map<string, Promise<Walk>>([[keyOf(wholeParams(v), max), Promise.resolve(whole)]]);
  const read = (params: readonly [string, string][], size: number): Promise<Walk> => {
    const key = keyOf(params, size);
    let r = reads.get(key);
    if (!r) reads.set(key, (r = reader.walk(params, size)));
    return r;
  };
  const small = smallPageSize(v, whole.items.length);
  /** The value a free filter's claim was checked with (named in the report). */
  let sampled: string | undefined;

  for (const claim of claimsOf(v, declared)) {
    const before = reader.calls;
    sampled = undefined;
    let verdict: Verdict;
    try {
      verdict = await check(claim);
    } catch (e) {
      verdict = failureVerdict(e, v);
    }
    const name = claimName(claim, sampled);
    report.claims.push({ claim: name, kind: claim.kind, status: verdict.status, detail: verdict.detail, ...(verdict.ids ? { ids: verdict.ids } : {}), calls: reader.calls - before });
    report.summary[verdict.status]++;
  }
  return report;

  async function check(claim: Claim): Promise<Verdict> {
    const named = (verdict: Verdict, shown?: string) => ((sampled = shown), verdict);
    switch (claim.kind) {
      case 'filter':
      case 'filterTotal': {
        const f = claim.filter;
        const value = claim.value ?? sampleValue(f, whole.items);
        if (value === null) return named(cant(`the whole read holds no ${f === 'search' ? 'title word' : f} to check it with`));
        const shown = showValue(f, value);
        sampled = shown; // named even when its read fails
        if (!v.filters[f].local) return named(cant(`no field maps ${f}: nothing to compare the vendor's answer with`), shown);
        const params = filterParams(v, f, value);
        if (!Array.isArray(params)) return named(cant(params.unsent), shown);
        const answer = await read(params, max);
        const accept = localPredicate(f, value);
        return named(claim.kind === 'filter' ? checkFilter(whole, answer, accept, claim.mode) : checkFilterTotal(whole, answer, accept), shown);
      }
      case 'unlisted':
        return named(checkUnlisted(whole, claim.filter, claim.listed));
      case 'order':
        return named(checkOrder(whole, await read(orderParams(v, claim), max), claim.by, claim.dir));
      case 'paging': {
        const walk = await read(wholeParams(v), small.size);
        const verdict = checkPaging(whole, walk, walk.size, walk.pageStarts.length);
        return named(small.note && verdict.status === 'verified' ? { ...verdict, detail: `${verdict.detail} (${small.note})` } : verdict);
      }
      case 'total':
        return named(checkTotal(whole));
      case 'cursor': {
        const walk = await read(wholeParams(v), small.size);
        const pages = walk.pageStarts.length;
        if (walk.truncated) return named(cant(`the walk was cut (${walk.truncated}): whether it ends is unknown`));
        if (pages < 2) return named(cant(`all ${walk.items.length} fit on one page of ${walk.size}: no cursor to resume from`));
        const from = Math.floor(pages / 2);
        const resumed = await reader.walk(wholeParams(v), walk.size, walk.tokens[from]!);
        return named(checkCursorResume({ ids: walk.items.map((i) => i.id), pageStarts: walk.pageStarts }, from, resumed));
      }
      case 'detail': {
        const row = whole.items[0];
        if (!row) return named(cant('the whole read holds no conversation to read by id'));
        const got = await reader.detail(row.conversation.externalId);
        if (got === 'notFound') return named({ status: 'differs', detail: `the vendor answered 404 for ${row.id}, a conversation of its list`, ids: [row.id] });
        return named(checkDetail(row, got));
      }
    }
  }
}

const cant = (detail: string): Verdict => ({ status: 'cantCheck', detail });

/**
 * A claim's read failed. The vendor refusing what the claim sends (a 400), or answering what can't be read
 * (a body of the wrong shape, a page walk that loops), is the claim failing; a vendor that is down,
 * slow or out of budget says nothing about it.
 */
function failureVerdict(e: unknown, v: CompiledVendor): Verdict {
  if (!(e instanceof UpstreamError)) throw e;
  const f = v.scrub(e.failure);
  const what = `${f.code}${f.upstreamStatus !== null ? ` (HTTP ${f.upstreamStatus})` : ''}: ${f.message}`;
  if (f.code === 'UPSTREAM_REJECTED' || f.code === 'UPSTREAM_INVALID_RESPONSE') return { status: 'differs', detail: `the vendor's answer fails it: ${what}` };
  return cant(`the vendor failed: ${what}`);
}

/**
 * The page size of the paging check: about ten pages for the whole read, within the vendor's bounds, and
 * smaller than a whole-read page where it can be, so page boundaries fall elsewhere.
 */
export function smallPageSize(v: CompiledVendor, count: number): { size: number; note?: string } {
  const p = v.paging;
  const { minPageSize: min, maxPageSize: max } = p;
  if (p.style === 'none') return { size: max };
  // A vendor that takes no page size (no size parameter) pages by its own: nothing to choose.
  const params = wholeParams(v);
  if (v.buildRequest(params, p.first(), min).query === v.buildRequest(params, p.first(), max).query) {
    return { size: max, note: 'the vendor takes no page size: paged by its own' };
  }
  const size = Math.max(min, Math.min(Math.ceil(count / 10), Math.ceil(max / 2)));
  return { size };
}
