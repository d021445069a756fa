/**
 * GET /conversations as one function: plan → fan out → merge → paginate. Vendors fail independently: a
 * failure removes that vendor and the page is merged again from what the others already sent.
 */
import type { CompiledVendor } from '../dialect/vendor.js';
import { GatewayError, invalidRequest, type VendorFailure } from '../errors/gateway-error.js';
import type { ErrorCode } from '../errors/catalogue.js';
import type { Conversation } from '../model/conversation.js';
import type { Query, QueryShape, VendorPosition } from '../model/query.js';
import { planQuery, type Plan, type VendorPlan } from '../plan/plan.js';
import type { CursorCodec } from '../merge/cursor.js';
import { mergePage, StreamFailure, type MergedPage } from '../merge/merge.js';
import { keyOf } from '../merge/order.js';
import type { FetchContext, TotalHints } from '../fanout/source.js';
import type { Upstream } from '../upstream/client.js';
import type { Clock } from '../state/clock.js';
import { participate, toFailure, type Participant } from './participant.js';

export interface SourceReport {
  vendor: string;
  status: 'ok' | 'error' | 'skipped';
  total: number | null;
  fetched: number;
  calls: number;
  dropped: number;
  latencyMs: number;
  /** Calls repeated after transient failures. */
  retries: number;
  reason?: string;
  error?: VendorFailure;
}

export interface ListResult {
  object: 'list';
  data: Conversation[];
  limit: number;
  offset: number;
  total: number | null;
  hasMore: boolean;
  nextCursor: string | null;
  partial: boolean;
  sources: SourceReport[];
  plan?: ExplainedPlan[];
}

export interface ExplainedPlan {
  vendor: string;
  action: VendorPlan['action'];
  reason?: string;
  pushedFilters: string[];
  localFilters: string[];
  order: 'pushed' | 'local';
  read: 'lazy' | 'whole';
  totalFromVendor: boolean;
  /** Parameter names sent on every call (values of fixed parameters are not shown: they may be secret). */
  params: string[];
}

export interface ListDeps {
  vendors: readonly CompiledVendor[];
  upstream: Upstream;
  cursors: CursorCodec;
  clock: Clock;
  hints?: TotalHints;
}

export interface RequestContext {
  signal: AbortSignal;
  requestId: string;
}

export async function listConversations(q: Query, deps: ListDeps, ctx: RequestContext): Promise<ListResult> {
  const included = q.vendors.length > 0 ? deps.vendors.filter((v) => q.vendors.includes(v.name)) : deps.vendors.filter((v) => v.enabled);
  const plan = planQuery(q, included);
  if (plan.invalid.length > 0) throw invalidRequest(plan.invalid);

  const fetchCtx: FetchContext = {
    upstream: deps.upstream,
    signal: ctx.signal,
    requestId: ctx.requestId,
    map: { messages: q.include.includes('messages'), raw: q.include.includes('raw') },
    clock: deps.clock,
    ...(deps.hints ? { hints: deps.hints } : {}),
  };
  const byName = new Map(included.map((v) => [v.name, v]));
  const participants: Participant[] = [];
  const done = new Set<string>();
  for (const p of plan.vendors) {
    if (p.action !== 'fetch') continue;
    if (q.positions?.[p.vendor] === 'done') {
      done.add(p.vendor);
      continue;
    }
    participants.push(participate(p, byName.get(p.vendor)!, q, fetchCtx));
  }

  const { merged, live } = await mergeWithFailover(participants, q);

  const failures = participants.filter((p) => p.failure);
  const okCount = participants.length - failures.length + done.size + plan.vendors.filter((p) => p.action === 'empty').length;
  if (failures.length > 0 && okCount === 0) throw aggregateFailure(failures);

  const reports = report(plan, participants, done, q, merged.exhausted);
  const totals = reports.filter((r) => r.status === 'ok').map((r) => r.total);
  const total = failures.length === 0 && totals.every((t) => t !== null) ? totals.reduce<number>((a, b) => a + b!, 0) : null;
  const result: ListResult = {
    object: 'list',
    data: merged.items.map((i) => i.conversation),
    limit: q.limit,
    offset: q.offset,
    total,
    hasMore: merged.hasMore,
    nextCursor: merged.hasMore ? nextCursor(q, merged, live, failures, done, reports, deps.cursors) : null,
    partial: failures.length > 0,
    sources: reports,
  };
  if (q.explain) result.plan = explain(plan);
  return result;
}

/** Merge; when a vendor fails, drop it and merge again (pages already fetched are reused). */
async function mergeWithFailover(participants: Participant[], q: Query): Promise<{ merged: MergedPage; live: Participant[] }> {
  let live = participants;
  for (;;) {
    try {
      const merged = await mergePage(live.map((p) => p.stream()), { offset: q.positions ? 0 : q.offset, limit: q.limit, orderBy: q.orderBy, orderDir: q.orderDir });
      return { merged, live };
    } catch (e) {
      if (!(e instanceof StreamFailure)) throw e;
      const failed = live.find((p) => p.plan.vendor === e.vendor)!;
      failed.failure = toFailure(e.cause, failed.vendor);
      live = live.filter((p) => p !== failed);
    }
  }
}

/** The signed state of the next page: the query, the last key, and where each vendor resumes. */
function nextCursor(
  q: Query,
  merged: MergedPage,
  live: Participant[],
  failures: Participant[],
  done: Set<string>,
  reports: SourceReport[],
  cursors: CursorCodec,
): string | null {
  const last = merged.items.at(-1);
  if (!last) return null;
  const positions: Record<string, VendorPosition | 'done'> = {};
  const totals: Record<string, number | null> = {};
  for (const r of reports) if (r.status === 'ok') totals[r.vendor] = r.total;
  for (const v of done) positions[v] = 'done';
  for (const p of live) {
    const name = p.plan.vendor;
    const pos = merged.exhausted.has(name) ? 'done' : p.position();
    if (pos) positions[name] = pos;
  }
  // A vendor that failed resumes where it was: the next page tries it again.
  for (const p of failures) {
    const prev = q.positions?.[p.plan.vendor];
    if (prev) positions[p.plan.vendor] = prev;
  }
  return cursors.encode({ query: shapeOf(q), after: keyOf(last, q.orderBy), offset: q.offset + merged.items.length, limit: q.limit, positions, totals });
}

function aggregateFailure(failed: Participant[]): GatewayError {
  const errors = failed.map((p) => ({ vendor: p.plan.vendor, ...p.failure! }));
  const codes = new Set(errors.map((e) => e.code));
  const code: ErrorCode = codes.size === 1 ? errors[0]!.code : 'UPSTREAM_ERROR';
  const waits = errors.map((e) => e.retryAfter).filter((s): s is number => s !== null);
  const retryAfter = code === 'RATE_LIMITED' && waits.length > 0 ? Math.min(...waits) : undefined;
  const detail = `every vendor failed: ${errors.map((e) => `${e.vendor} ${e.code} (${e.message})`).join('; ')}`;
  return new GatewayError(code, detail, { vendorErrors: errors, ...(retryAfter !== undefined ? { retryAfter } : {}) });
}

function report(plan: Plan, parts: Participant[], done: Set<string>, q: Query, exhausted: Set<string>): SourceReport[] {
  const byName = new Map(parts.map((p) => [p.plan.vendor, p]));
  return plan.vendors.map((vp): SourceReport => {
    const idle = { fetched: 0, calls: 0, dropped: 0, latencyMs: 0, retries: 0 };
    if (vp.action === 'skip') return { vendor: vp.vendor, status: 'skipped', total: null, ...idle, reason: vp.reason! };
    if (vp.action === 'empty') return { vendor: vp.vendor, status: 'ok', total: 0, ...idle, reason: vp.reason! };
    if (done.has(vp.vendor)) {
      return { vendor: vp.vendor, status: 'ok', total: q.totals?.[vp.vendor] ?? null, ...idle, reason: 'no items left after the cursor' };
    }
    const p = byName.get(vp.vendor)!;
    const s = p.fetcher.stats;
    const stats = { fetched: s.fetched, calls: s.calls, dropped: s.dropped, latencyMs: Math.round(s.latencyMs), retries: s.retries };
    if (p.failure) return { vendor: vp.vendor, status: 'error', total: null, ...stats, error: p.failure };
    return { vendor: vp.vendor, status: 'ok', total: p.total(exhausted.has(vp.vendor)), ...stats };
  });
}

export function shapeOf(q: QueryShape): QueryShape {
  return { vendors: q.vendors, filters: q.filters, orderBy: q.orderBy, orderDir: q.orderDir, include: q.include, strict: q.strict, explain: q.explain };
}

function explain(plan: Plan): ExplainedPlan[] {
  return plan.vendors.map(explainVendorPlan);
}

/** One vendor's plan as `explain=true` (and `switchboard explain`) show it. */
export function explainVendorPlan(p: VendorPlan): ExplainedPlan {
  return {
    vendor: p.vendor,
    action: p.action,
    ...(p.reason ? { reason: p.reason } : {}),
    pushedFilters: p.pushed,
    localFilters: p.local,
    order: p.orderPushed ? 'pushed' : 'local',
    read: p.mode === 'ordered' ? 'lazy' : 'whole',
    totalFromVendor: p.mode === 'ordered' && p.vendorTotalExact,
    params: [...new Set(p.params.map(([k]) => k))],
  };
}
