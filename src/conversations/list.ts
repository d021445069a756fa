/**
 * GET /conversations as one function: plan → fan out → merge → paginate. Vendors fail independently: a
 * failure removes that vendor and the page is merged again from what the others already sent.
 */
import type { CompiledVendor } from '../dialect/vendor.js';
import { failure } from '../dialect/errors.js';
import { GatewayError, invalidRequest, type VendorFailure } from '../errors/gateway-error.js';
import { statusOf, type ErrorCode } from '../errors/catalogue.js';
import type { Conversation, Item } from '../model/conversation.js';
import type { Query, QueryShape, VendorPosition } from '../model/query.js';
import { buildLocalFilter } from '../plan/local-filter.js';
import { planQuery, type Plan, type VendorPlan } from '../plan/plan.js';
import type { CursorCodec } from '../merge/cursor.js';
import { mergePage, StreamFailure } from '../merge/merge.js';
import { keyOf } from '../merge/order.js';
import { OrderViolation, orderedStream, sortedStream, type OrderedStream, type PageSource } from '../merge/stream.js';
import { lazySource, readWhole, VendorFetcher, type FetchContext } from '../fanout/source.js';
import { UpstreamError, type Upstream } from '../upstream/client.js';

export interface SourceReport {
  vendor: string;
  status: 'ok' | 'error' | 'skipped';
  total: number | null;
  fetched: number;
  calls: number;
  dropped: number;
  latencyMs: number;
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
}

export interface RequestContext {
  signal: AbortSignal;
  requestId: string;
}

/** Everything the merge needs from one vendor, rebuilt cheaply if the merge must run again. */
interface Participant {
  plan: VendorPlan;
  fetcher: VendorFetcher;
  stream: () => OrderedStream;
  /** Exact number of matches, when it can be known; `exhausted`: the merge read this vendor to its end. */
  total: (exhausted: boolean) => number | null;
  failure?: VendorFailure;
  /** The stream of the latest merge attempt, asked for its resume position. */
  lastStream?: OrderedStream;
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

  // Merge; when a vendor fails, drop it and merge again (pages already fetched are reused).
  let live = participants;
  let merged;
  for (;;) {
    const streams = live.map((p) => p.stream());
    try {
      merged = await mergePage(streams, { offset: q.positions ? 0 : q.offset, limit: q.limit, orderBy: q.orderBy, orderDir: q.orderDir });
      break;
    } catch (e) {
      if (!(e instanceof StreamFailure)) throw e;
      const failed = live.find((p) => p.plan.vendor === e.vendor)!;
      failed.failure = toFailure(e.cause, failed.fetcher.vendor);
      live = live.filter((p) => p !== failed);
    }
  }

  const failures = participants.filter((p) => p.failure);
  const okCount = participants.length - failures.length + done.size + plan.vendors.filter((p) => p.action === 'empty').length;
  if (failures.length > 0 && okCount === 0) throw aggregateFailure(failures);

  const reports = report(plan, participants, done, q, merged.exhausted);
  const totals = reports.filter((r) => r.status === 'ok').map((r) => r.total);
  const total = failures.length === 0 && totals.every((t) => t !== null) ? totals.reduce<number>((a, b) => a + b!, 0) : null;
  const offset = q.offset;
  const last = merged.items.at(-1);
  let nextCursor: string | null = null;
  if (merged.hasMore && last) {
    const positions: Record<string, VendorPosition | 'done'> = {};
    const carried: Record<string, number | null> = {};
    for (const r of reports) if (r.status === 'ok') carried[r.vendor] = r.total;
    for (const v of done) positions[v] = 'done';
    const streams = new Map(live.map((p) => [p.plan.vendor, p]));
    for (const [name, p] of streams) {
      if (merged.exhausted.has(name)) positions[name] = 'done';
      else {
        const pos = p.lastStream?.position();
        if (pos) positions[name] = pos;
      }
    }
    for (const p of failures) {
      const prev = q.positions?.[p.plan.vendor];
      if (prev) positions[p.plan.vendor] = prev;
    }
    nextCursor = deps.cursors.encode({
      query: shapeOf(q),
      after: keyOf(last, q.orderBy),
      offset: offset + merged.items.length,
      limit: q.limit,
      positions,
      totals: carried,
    });
  }

  const result: ListResult = {
    object: 'list',
    data: merged.items.map((i) => i.conversation),
    limit: q.limit,
    offset,
    total,
    hasMore: merged.hasMore,
    nextCursor,
    partial: failures.length > 0,
    sources: reports,
  };
  if (q.explain) result.plan = explain(plan);
  return result;
}

function participate(p: VendorPlan, v: CompiledVendor, q: Query, ctx: FetchContext): Participant {
  const fetcher = new VendorFetcher(v, p.params, ctx);
  const rechecked = p.local.filter((n) => p.pushed.includes(n));
  const localOnly = p.local.filter((n) => !p.pushed.includes(n));
  const recheck = buildLocalFilter(rechecked, q.filters);
  const localFilter = buildLocalFilter(localOnly, q.filters);
  let vendorDisagreed = false;
  // Ids (not a count: a re-run merge reads the same items again) of matches seen, for exhausted vendors.
  const matched = new Set<string>();
  const accept = (i: Item) => {
    if (!recheck(i)) {
      vendorDisagreed = true; // the vendor returned an item its own filter should have excluded
      return false;
    }
    if (!localFilter(i)) return false;
    matched.add(i.conversation.id);
    return true;
  };
  const streamOpts = { orderBy: q.orderBy, orderDir: q.orderDir, ...(q.after ? { after: q.after } : {}) };
  const part: Participant = { plan: p, fetcher, stream: () => { throw new Error('unreachable'); }, total: () => null };

  if (p.mode === 'ordered') {
    const position = q.positions?.[p.vendor];
    // Enough for the whole page plus the one item that tells whether there is a next page.
    const want = (q.positions ? 0 : q.offset) + q.limit + 1;
    const source: PageSource = lazySource(fetcher, want, position === 'done' ? undefined : position, localOnly.length > 0);
    part.stream = () => (part.lastStream = orderedStream(v.name, source, { ...streamOpts, accept }));
    part.total = (exhausted) => {
      // Read from the start to the end: we counted every match ourselves.
      if (exhausted && !q.after) return matched.size;
      if (position !== undefined && q.totals?.[p.vendor] != null && fetcher.stats.vendorTotal === null) return q.totals[p.vendor]!;
      return p.vendorTotalExact && !vendorDisagreed && fetcher.stats.dropped === 0 ? fetcher.stats.vendorTotal : null;
    };
  } else {
    let matches: Promise<Item[]> | undefined;
    let count: number | null = null;
    const load = () =>
      (matches ??= readWhole(fetcher).then((items) => {
        const m = items.filter(accept);
        count = m.length;
        return m;
      }));
    part.stream = () => (part.lastStream = deferred(v.name, async () => sortedStream(v.name, await load(), streamOpts)));
    part.total = () => count;
  }
  return part;
}

/** A stream whose items exist only after an async load (a vendor read whole). */
function deferred(vendor: string, load: () => Promise<OrderedStream>): OrderedStream {
  let inner: OrderedStream | undefined;
  return {
    vendor,
    async peek() {
      inner ??= await load();
      return inner.peek();
    },
    take: () => inner?.take(),
    position: () => null,
  };
}

function toFailure(cause: unknown, v: CompiledVendor): VendorFailure {
  if (cause instanceof UpstreamError) return cause.failure;
  if (cause instanceof OrderViolation) return failure('UPSTREAM_INVALID_RESPONSE', `${cause.message}; the configured order can't be trusted`);
  return failure('UPSTREAM_ERROR', `unexpected failure reading ${v.name}: ${(cause as Error)?.message ?? String(cause)}`);
}

function aggregateFailure(failed: Participant[]): GatewayError {
  const errors = failed.map((p) => ({ vendor: p.plan.vendor, ...p.failure! }));
  const codes = new Set(errors.map((e) => e.code));
  const code: ErrorCode = codes.size === 1 ? errors[0]!.code : 'UPSTREAM_ERROR';
  const waits = errors.map((e) => e.retryAfter).filter((s): s is number => s !== null);
  const retryAfter = code === 'RATE_LIMITED' && waits.length > 0 ? Math.min(...waits) : undefined;
  const detail = `every vendor failed: ${errors.map((e) => `${e.vendor} ${e.code} (${e.message})`).join('; ')}`;
  return new GatewayError(statusOf(code) >= 400 ? code : 'UPSTREAM_ERROR', detail, { vendorErrors: errors, ...(retryAfter !== undefined ? { retryAfter } : {}) });
}

function report(plan: Plan, parts: Participant[], done: Set<string>, q: Query, exhausted: Set<string>): SourceReport[] {
  const byName = new Map(parts.map((p) => [p.plan.vendor, p]));
  return plan.vendors.map((vp): SourceReport => {
    const idle = { fetched: 0, calls: 0, dropped: 0, latencyMs: 0 };
    if (vp.action === 'skip') return { vendor: vp.vendor, status: 'skipped', total: null, ...idle, reason: vp.reason! };
    if (vp.action === 'empty') return { vendor: vp.vendor, status: 'ok', total: 0, ...idle, reason: vp.reason! };
    if (done.has(vp.vendor)) {
      return { vendor: vp.vendor, status: 'ok', total: q.totals?.[vp.vendor] ?? null, ...idle, reason: 'no items left after the cursor' };
    }
    const p = byName.get(vp.vendor)!;
    const s = p.fetcher.stats;
    const stats = { fetched: s.fetched, calls: s.calls, dropped: s.dropped, latencyMs: Math.round(s.latencyMs) };
    if (p.failure) return { vendor: vp.vendor, status: 'error', total: null, ...stats, error: p.failure };
    return { vendor: vp.vendor, status: 'ok', total: p.total(exhausted.has(vp.vendor)), ...stats };
  });
}

export function shapeOf(q: QueryShape): QueryShape {
  return { vendors: q.vendors, filters: q.filters, orderBy: q.orderBy, orderDir: q.orderDir, include: q.include, strict: q.strict, explain: q.explain };
}

function explain(plan: Plan): ExplainedPlan[] {
  return plan.vendors.map((p) => ({
    vendor: p.vendor,
    action: p.action,
    ...(p.reason ? { reason: p.reason } : {}),
    pushedFilters: p.pushed,
    localFilters: p.local,
    order: p.orderPushed ? 'pushed' : 'local',
    read: p.mode === 'ordered' ? 'lazy' : 'whole',
    totalFromVendor: p.mode === 'ordered' && p.vendorTotalExact,
    params: [...new Set(p.params.map(([k]) => k))],
  }));
}
