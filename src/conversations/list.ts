/**
 * GET /conversations as one function: plan → sources → merge → paginate. Vendors fail independently: a
 * failure removes that vendor (or, for a mirror that can't be read, puts the live vendor in its place) and
 * the page is merged again from what the others already sent.
 */
import type { CompiledVendor } from '../dialect/vendor.js';
import { GatewayError, invalidRequest, type VendorFailure } from '../errors/gateway-error.js';
import type { ErrorCode } from '../errors/catalogue.js';
import { selectFields, type ConversationView } from '../model/conversation.js';
import type { Missed, Query, QueryShape, VendorPosition } from '../model/query.js';
import { planQuery, type MirrorAvailability, type Plan, type VendorPlan } from '../plan/plan.js';
import { holdsMany } from '../plan/weight.js';
import { MAX_CURSOR_LENGTH, type CursorCodec, type CursorState } from '../merge/cursor.js';
import { failure } from '../dialect/errors.js';
import { mergePage, StreamFailure, type MergedPage } from '../merge/merge.js';
import { keyOf } from '../model/order.js';
import type { Upstream } from '../upstream/client.js';
import type { Clock } from '../state/clock.js';
import { openSource, toFailure, type MirrorView, type Snapshot, type Source, type SourceContext, type TotalHints } from '../sources/index.js';

export interface SourceReport {
  vendor: string;
  status: 'ok' | 'error' | 'skipped';
  /** Where its items came from: the vendor itself, or its mirror. */
  mode: 'live' | 'mirror';
  /** Mirror: the instant as of which the copy is complete, and how long ago that was. */
  syncedAt?: string | null;
  lagMs?: number | null;
  /** Mirror: lagMs is over the vendor's mirror.maxLagMs (still served). */
  stale?: true;
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
  /** Whole conversations, or trimmed to `fields=`. */
  data: ConversationView[];
  limit: number;
  offset: number;
  total: number | null;
  hasMore: boolean;
  nextCursor: string | null;
  partial: boolean;
  /** Vendors whose items this walk skipped (on this page or an earlier one), with their last error. */
  missed?: MissedVendor[];
  sources: SourceReport[];
  plan?: ExplainedPlan[];
}

export interface MissedVendor extends Missed {
  vendor: string;
}

export interface ExplainedPlan {
  vendor: string;
  action: VendorPlan['action'];
  reason?: string;
  pushedFilters: string[];
  localFilters: string[];
  /** pushed: asked of the vendor by parameters; natural: the order it answers in unasked; local: sorted here. */
  order: 'pushed' | 'natural' | 'local' | 'mirror';
  read: 'lazy' | 'whole' | 'mirror';
  totalFromVendor: boolean;
  /** Parameter names sent on every call (values of fixed parameters are not shown: they may be secret). */
  params: string[];
  /** Which parameter carries which filter: `filter_resolved ← status=closed`, `status ← status (absent: all)`. */
  filterParams: string[];
  /** Why a mirrored vendor is read live for this query. */
  mirror?: string;
}

/**
 * The mirrors a request may read: for each named vendor that has one, what it can answer now and the view
 * to read it with (pinned to the snapshot a walk's cursor carries, where it still can be).
 */
export interface MirrorCatalog {
  /** Whether the vendor has a mirror here (ready or not): only such vendors wait for `open`. */
  covers(vendor: string): boolean;
  open(vendors: readonly string[], pins?: Readonly<Record<string, Snapshot>>): Promise<Map<string, { availability: MirrorAvailability; view?: MirrorView }>>;
}

export interface ListDeps {
  vendors: readonly CompiledVendor[];
  upstream: Upstream;
  cursors: CursorCodec;
  clock: Clock;
  hints?: TotalHints;
  mirrors?: MirrorCatalog;
  /** The bound on requests that may hold many vendor items (http.maxHeavy); absent: not bounded here. */
  heavy?: HeavyBound;
}

export interface HeavyBound {
  /** A slot (waiting for it, or OVERLOADED); the function returned gives it back. */
  acquire(signal: AbortSignal): Promise<() => void>;
  /** A vendor read lazily deeper than this many items makes a request heavy (limits.maxLimit). */
  depth: number;
}

/** Takes the heavy slot before the vendors of a plan that needs it are read; at most once per request. */
type Hold = (vendors: readonly VendorPlan[]) => Promise<void>;

export interface RequestContext {
  signal: AbortSignal;
  requestId: string;
}

export async function listConversations(q: Query, deps: ListDeps, ctx: RequestContext): Promise<ListResult> {
  let release: (() => void) | undefined;
  const hold: Hold = async (vendors) => {
    if (release || !deps.heavy || !holdsMany(vendors, q, deps.heavy.depth)) return;
    release = await deps.heavy.acquire(ctx.signal);
  };
  try {
    return await listWith(q, deps, ctx, hold);
  } finally {
    // The items it held are the sources' pages, unreachable once the page is built.
    release?.();
  }
}

/** The page; `hold` takes the heavy slot when a plan needs it (listConversations gives it back). */
async function listWith(q: Query, deps: ListDeps, ctx: RequestContext, hold: Hold): Promise<ListResult> {
  // A walk pins the vendors of its first page: one its cursor names that is now disabled (or gone from
  // config) fails, resumably, instead of being called or silently left out.
  const named = q.vendors.length > 0 ? q.vendors : null;
  const included = deps.vendors.filter((v) => v.enabled && (named === null || named.includes(v.name)));
  const withdrawn = (named ?? []).filter((n) => !included.some((v) => v.name === n) && q.positions?.[n] !== 'done');
  const sourceCtx: SourceContext = {
    upstream: deps.upstream,
    signal: ctx.signal,
    requestId: ctx.requestId,
    map: { messages: q.include.includes('messages'), raw: q.include.includes('raw') },
    clock: deps.clock,
    ...(deps.hints ? { hints: deps.hints } : {}),
  };
  const byName = new Map(included.map((v) => [v.name, v]));
  const { plan, sources: opened, mirrors } = await planAndOpen(q, included, byName, deps.mirrors, sourceCtx, hold);
  const sources: Source[] = [];
  const done = new Set<string>();
  for (const p of plan.vendors) {
    if (p.action !== 'fetch') continue;
    if (q.positions?.[p.vendor] === 'done') {
      done.add(p.vendor);
      continue;
    }
    sources.push(opened.get(p.vendor) ?? openSource(p, byName.get(p.vendor)!, q, sourceCtx, mirrors.get(p.vendor)?.view));
  }

  const withdrawnFailed: Failed[] = withdrawn.map((vendor) => ({ vendor, failure: withdrawnFailure(vendor, deps.vendors) }));
  // The cursor this page would issue, with every vendor's total at its longest: the real one fits too.
  let shapeLength: number | undefined;
  const cursorLength = (merged: MergedPage, serving: Source[], all: Source[]) => {
    // A bound first (UTF-8 at most 3 bytes per unit, base64 4 per 3, room per vendor for its position,
    // total, snapshot and miss): most pages are far below the limit and skip the encode.
    shapeLength ??= JSON.stringify(shapeOf(q)).length;
    const tokens = serving.reduce((n, s) => n + String(s.position()?.token ?? '').length, 0);
    const perVendor = [...included.map((v) => v.name), ...withdrawn].reduce((n, name) => n + PER_VENDOR_BYTES + 4 * 3 * name.length, 0);
    if (((shapeLength + tokens) * 3 + perVendor + 200) * (4 / 3) < MAX_CURSOR_LENGTH) return 0;
    const failing = [...all.filter((s) => s.failure).map((s) => ({ vendor: s.plan.vendor, failure: s.failure! })), ...withdrawnFailed];
    const state = cursorState(q, merged, serving, failing, done, [], included);
    const missed: Record<string, Missed> = {};
    for (const v of Object.keys(state.positions)) {
      state.totals[v] = Number.MAX_SAFE_INTEGER;
      missed[v] = { code: 'UPSTREAM_INVALID_RESPONSE', since: Number.MAX_SAFE_INTEGER, pages: Number.MAX_SAFE_INTEGER };
    }
    return deps.cursors.encode({ ...state, missed }).length;
  };
  const { merged, live } = await mergeWithFailover(sources, q, sourceCtx, cursorLength, hold);

  const failed: Failed[] = [...live.all.filter((s) => s.failure).map((s) => ({ vendor: s.plan.vendor, failure: s.failure! })), ...withdrawnFailed];
  // onVendorError=fail: a page is whole or it is the failure (the page needs every failed vendor back);
  // the caller retries the same request or cursor.
  if (failed.length > 0 && q.onVendorError === 'fail') throw aggregateFailure(failed, 'fail');
  const okCount = live.all.length - live.all.filter((s) => s.failure).length + done.size + plan.vendors.filter((p) => p.action === 'empty').length;
  if (failed.length > 0 && okCount === 0) throw aggregateFailure(failed, 'all');

  const reports = [
    ...(await report(plan, live.all, done, q, merged.exhausted)),
    ...withdrawnFailed.map(failedReport),
    // Disabled once nothing of it was left: nothing is lost, and its total still counts.
    ...(named ?? [])
      .filter((n) => q.positions?.[n] === 'done' && !byName.has(n))
      .map((vendor): SourceReport => ({ vendor, status: 'ok', mode: 'live', total: q.totals?.[vendor] ?? null, fetched: 0, calls: 0, dropped: 0, latencyMs: 0, retries: 0, reason: 'disabled; no items were left after the cursor' })),
  ];
  const nextCursor =
    merged.hasMore && merged.items.length > 0
      ? deps.cursors.encode({ ...cursorState(q, merged, live.serving, failed, done, reports, included), ...missedOf(q, failed) })
      : null;
  const totals = reports.filter((r) => r.status === 'ok').map((r) => r.total);
  const total = failed.length === 0 && totals.every((t) => t !== null) ? totals.reduce<number>((a, b) => a + b!, 0) : null;
  const { missed } = missedOf(q, failed);
  const result: ListResult = {
    object: 'list',
    data: merged.items.map((i) => selectFields(i.conversation, q.fields)),
    limit: q.limit,
    offset: q.offset,
    total,
    hasMore: merged.hasMore,
    nextCursor,
    // A walk that skipped a vendor's items on any page stays partial to its end.
    partial: failed.length > 0 || missed !== undefined,
    ...(missed ? { missed: Object.entries(missed).map(([vendor, m]) => ({ vendor, ...m })) } : {}),
    sources: reports,
  };
  if (q.explain) result.plan = explain(plan);
  return result;
}

type MirrorsOpened = Map<string, { availability: MirrorAvailability; view?: MirrorView }>;

/**
 * The plan, and the live sources already started. A vendor with a mirror is planned once its mirror's state
 * is read (a query to the store); the others don't depend on it, so they are planned first and their first
 * calls sent before that read, which then runs while they travel instead of before them.
 */
async function planAndOpen(
  q: Query,
  included: readonly CompiledVendor[],
  byName: ReadonlyMap<string, CompiledVendor>,
  catalog: MirrorCatalog | undefined,
  ctx: SourceContext,
  hold: Hold,
): Promise<{ plan: Plan; sources: Map<string, Source>; mirrors: MirrorsOpened }> {
  const sources = new Map<string, Source>();
  const mirrored = catalog ? included.filter((v) => catalog.covers(v.name)) : [];
  if (!catalog || mirrored.length === 0) {
    const plan = planQuery(q, included);
    if (plan.invalid.length > 0) throw invalidRequest(plan.invalid);
    await hold(plan.vendors);
    return { plan, sources, mirrors: new Map() };
  }
  const others = included.filter((v) => !mirrored.includes(v));
  const first = planQuery(q, others);
  // Started only when the request can't be refused for them (it still may be for a mirrored vendor's plan:
  // then their calls are abandoned with the request).
  if (first.invalid.length === 0) await hold(first.vendors);
  const early = first.invalid.length === 0 ? new AbortController() : null;
  const stop = () => early?.abort(ctx.signal.reason);
  if (early) {
    ctx.signal.addEventListener('abort', stop, { once: true });
    const earlyCtx = { ...ctx, signal: early.signal };
    for (const p of first.vendors) {
      if (p.action !== 'fetch' || q.positions?.[p.vendor] === 'done') continue;
      const s = openSource(p, byName.get(p.vendor)!, q, earlyCtx);
      s.start?.();
      sources.set(p.vendor, s);
    }
  }
  try {
    // The live calls go out through a few layers of awaits (budget, breaker, 429 memory); a SQLite store's
    // reads are synchronous once they run. One turn of the event loop lets the calls reach their sockets first.
    if (sources.size > 0) await new Promise<void>((r) => setImmediate(r));
    const mirrors = await catalog.open(mirrored.map((v) => v.name), q.snapshots);
    const availability = new Map([...mirrors].map(([k, m]) => [k, m.availability]));
    const second = planQuery(q, mirrored, availability);
    if (first.invalid.length > 0 || second.invalid.length > 0) {
      // The one answer a refusal gives, as one plan of every vendor would word it.
      throw invalidRequest(planQuery(q, included, availability).invalid);
    }
    // A mirror still warming makes its vendor a live read, perhaps whole.
    await hold(second.vendors);
    const byVendor = new Map([...first.vendors, ...second.vendors].map((p) => [p.vendor, p]));
    return { plan: { vendors: included.map((v) => byVendor.get(v.name)!), invalid: [] }, sources, mirrors };
  } catch (e) {
    stop();
    throw e;
  }
}

/**
 * Most JSON a vendor adds to a cursor besides its token and its name (which appears four times): its
 * position, total, snapshot and miss, with their keys and numbers at their longest.
 */
const PER_VENDOR_BYTES = 300;

interface Failed {
  vendor: string;
  failure: VendorFailure;
}

/** A vendor a cursor names that is no longer enabled: failed without a call, so a walk says what it skips. */
function withdrawnFailure(vendor: string, vendors: readonly CompiledVendor[]): VendorFailure {
  const known = vendors.some((v) => v.name === vendor);
  return failure('UPSTREAM_UNAVAILABLE', known ? `vendor ${vendor} is disabled by the operator; its items are not served` : `vendor ${vendor} is no longer configured; its items are not served`);
}

function failedReport(f: Failed): SourceReport {
  return { vendor: f.vendor, status: 'error', mode: 'live', total: null, fetched: 0, calls: 0, dropped: 0, latencyMs: 0, retries: 0, error: f.failure };
}

/** The walk's skipped vendors after this page: the cursor's, plus each vendor failing here. */
function missedOf(q: Query, failed: readonly Failed[]): { missed?: Record<string, Missed> } {
  if (failed.length === 0 && !q.missed) return {};
  const missed: Record<string, Missed> = { ...q.missed };
  for (const f of failed) {
    const m = missed[f.vendor];
    missed[f.vendor] = { code: f.failure.code, since: m?.since ?? q.offset, pages: (m?.pages ?? 0) + 1 };
  }
  return { missed };
}


/**
 * Merge; when a vendor fails, drop it and merge again (pages already read are reused). A mirror that can't
 * be read is replaced by its vendor read live, once, before the vendor counts as failed. A vendor whose
 * resume token would make the next cursor longer than a request may send fails too: this gateway never
 * issues a cursor it would refuse.
 */
async function mergeWithFailover(
  sources: Source[],
  q: Query,
  ctx: SourceContext,
  cursorLength: (merged: MergedPage, serving: Source[], all: Source[]) => number,
  hold: Hold,
): Promise<{ merged: MergedPage; live: { serving: Source[]; all: Source[] } }> {
  let serving = sources;
  const all = [...sources];
  for (;;) {
    try {
      const merged = await mergePage(serving.map((s) => s.stream()), { offset: q.positions ? 0 : q.offset, limit: q.limit, orderBy: q.orderBy, orderDir: q.orderDir });
      // The page's items complete (a mirror's shapes read for them alone); a source failing here fails like one that failed merging.
      await Promise.all(serving.map((s) => s.fill?.(merged.items).catch((e: unknown) => Promise.reject(new StreamFailure(s.vendor.name, e)))));
      const length = merged.hasMore && merged.items.length > 0 ? cursorLength(merged, serving, all) : 0;
      if (length > MAX_CURSOR_LENGTH) {
        const [longest, chars] = longestToken(serving, merged);
        if (!longest) {
          throw invalidRequest([{ name: '(query)', reason: `too long to continue by cursor (${length} characters, at most ${MAX_CURSOR_LENGTH}): send shorter filter values or fewer vendors` }]);
        }
        longest.failure = failure('UPSTREAM_INVALID_RESPONSE', `its next-page token is ${chars} characters, too long for a cursor of at most ${MAX_CURSOR_LENGTH}`);
        serving = serving.filter((s) => s !== longest);
        continue;
      }
      return { merged, live: { serving, all } };
    } catch (e) {
      if (!(e instanceof StreamFailure)) throw e;
      const failed = serving.find((s) => s.plan.vendor === e.vendor)!;
      const failure = toFailure(e.cause, failed.vendor, failed.kind);
      serving = serving.filter((s) => s !== failed);
      // Read live instead, once it may hold what that read holds; no slot in time, and the vendor has failed.
      if (failed.kind === 'mirror' && failed.plan.live && (await hold([failed.plan.live]).then(() => true, () => false))) {
        const instead = openSource({ ...failed.plan.live, mirrorNote: failure.message }, failed.vendor, q, ctx);
        all[all.indexOf(failed)] = instead;
        serving = [...serving, instead];
        continue;
      }
      failed.failure = failure;
    }
  }
}

/** The source whose resume position would take the most room in the next cursor, and its token's length. */
function longestToken(serving: readonly Source[], merged: MergedPage): [Source | undefined, number] {
  let best: Source | undefined;
  let chars = 0;
  for (const s of serving) {
    if (merged.exhausted.has(s.plan.vendor)) continue;
    const token = s.position()?.token;
    const length = typeof token === 'string' ? token.length : 0;
    if (length > chars) [best, chars] = [s, length];
  }
  return [best, chars];
}

/** The state of the next page: the query, the last key, and where each vendor resumes. */
function cursorState(
  q: Query,
  merged: MergedPage,
  live: Source[],
  failed: readonly Failed[],
  done: Set<string>,
  reports: SourceReport[],
  included: readonly CompiledVendor[],
): Omit<CursorState, 'iat' | 'missed'> {
  const last = merged.items.at(-1)!;
  const positions: Record<string, VendorPosition | 'done'> = {};
  const totals: Record<string, number | null> = {};
  const snapshots: Record<string, Snapshot> = { ...q.snapshots };
  for (const r of reports) if (r.status === 'ok') totals[r.vendor] = r.total;
  for (const v of done) positions[v] = 'done';
  // Done stays done, for a vendor disabled since too.
  for (const [v, pos] of Object.entries(q.positions ?? {})) if (pos === 'done') positions[v] = 'done';
  for (const s of live) {
    const name = s.plan.vendor;
    const pos = merged.exhausted.has(name) ? 'done' : s.position();
    if (pos) positions[name] = pos;
    // A walk reads one snapshot of each mirror to its end.
    const snap = s.snapshot?.();
    if (snap) snapshots[name] = snap;
  }
  // A vendor that failed resumes where it was: the next page tries it again.
  for (const f of failed) {
    const prev = q.positions?.[f.vendor];
    if (prev) positions[f.vendor] = prev;
  }
  // The vendor set is pinned (not "every enabled vendor"), so a vendor disabled mid-walk is seen as missing.
  const shape = shapeOf(q);
  if (shape.vendors.length === 0) shape.vendors = included.map((v) => v.name);
  return {
    query: shape,
    after: keyOf(last, q.orderBy),
    offset: q.offset + merged.items.length,
    limit: q.limit,
    positions,
    totals,
    ...(Object.keys(snapshots).length > 0 ? { snapshots } : {}),
  };
}

/**
 * One failure for the page: every vendor failed ('all'), or some did under onVendorError=fail ('fail').
 * Its code is theirs when they agree; a rate limit's Retry-After is the soonest vendor back when any one
 * would do, the latest when the page needs every one of them.
 */
function aggregateFailure(failed: readonly Failed[], why: 'all' | 'fail'): GatewayError {
  const errors = failed.map((f) => ({ vendor: f.vendor, ...f.failure }));
  const codes = new Set(errors.map((e) => e.code));
  const code: ErrorCode = codes.size === 1 ? errors[0]!.code : 'UPSTREAM_ERROR';
  const waits = errors.map((e) => e.retryAfter).filter((s): s is number => s !== null);
  const retryAfter = code === 'RATE_LIMITED' && waits.length > 0 ? (why === 'all' ? Math.min(...waits) : Math.max(...waits)) : undefined;
  const list = errors.map((e) => `${e.vendor} ${e.code} (${e.message})`).join('; ');
  const detail =
    why === 'all'
      ? `every vendor failed: ${list}`
      : `onVendorError=fail and ${errors.length === 1 ? 'a vendor' : `${errors.length} vendors`} failed: ${list}; retry the same request or cursor to continue exactly`;
  return new GatewayError(code, detail, { vendorErrors: errors, ...(retryAfter !== undefined ? { retryAfter } : {}) });
}

async function report(plan: Plan, sources: Source[], done: Set<string>, q: Query, exhausted: Set<string>): Promise<SourceReport[]> {
  const byName = new Map(sources.map((s) => [s.plan.vendor, s]));
  return Promise.all(
    plan.vendors.map(async (vp): Promise<SourceReport> => {
      const idle = { fetched: 0, calls: 0, dropped: 0, latencyMs: 0, retries: 0 };
      const mode = vp.mode === 'mirror' ? ('mirror' as const) : ('live' as const);
      if (vp.action === 'skip') return { vendor: vp.vendor, status: 'skipped', mode, total: null, ...idle, reason: vp.reason! };
      if (vp.action === 'empty') return { vendor: vp.vendor, status: 'ok', mode, total: 0, ...idle, reason: vp.reason! };
      if (done.has(vp.vendor)) {
        return { vendor: vp.vendor, status: 'ok', mode, total: q.totals?.[vp.vendor] ?? null, ...idle, reason: 'no items left after the cursor' };
      }
      const s = byName.get(vp.vendor)!;
      const st = s.stats;
      const stats = { fetched: st.fetched, calls: st.calls, dropped: st.dropped, latencyMs: Math.round(st.latencyMs), retries: st.retries };
      const base = { vendor: vp.vendor, mode: s.kind === 'mirror' ? ('mirror' as const) : ('live' as const), ...(s.note ? { reason: s.note } : {}) };
      const fresh = s.freshness?.();
      const freshness = fresh
        ? { syncedAt: fresh.syncedAt === null ? null : new Date(fresh.syncedAt).toISOString(), lagMs: fresh.lagMs, ...(fresh.stale ? { stale: true as const } : {}) }
        : {};
      if (s.failure) return { ...base, status: 'error', total: null, ...stats, ...freshness, error: s.failure };
      let total: number | null;
      try {
        total = await s.total(exhausted.has(vp.vendor));
      } catch {
        total = null; // the page is served; only the count could not be had
      }
      return { ...base, status: 'ok', total, ...stats, ...freshness };
    }),
  );
}

export function shapeOf(q: QueryShape): QueryShape {
  return {
    vendors: q.vendors, filters: q.filters, orderBy: q.orderBy, orderDir: q.orderDir, include: q.include, strict: q.strict, explain: q.explain, onVendorError: q.onVendorError,
    ...(q.fields ? { fields: q.fields } : {}),
  };
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
    order: p.mode === 'mirror' ? 'mirror' : !p.orderPushed ? 'local' : p.orderParams?.length === 0 ? 'natural' : 'pushed',
    read: p.mode === 'ordered' ? 'lazy' : p.mode,
    totalFromVendor: p.mode === 'ordered' && p.vendorTotalExact,
    params: [...new Set(p.params.map(([k]) => k))],
    filterParams: (p.carriers ?? []).map((c) => (c.by === 'value' ? `${c.param} ← ${c.filter}=${c.value}` : `${c.param} ← ${c.filter} (absent: ${c.value})`)),
    ...(p.mirrorNote ? { mirror: p.mirrorNote } : {}),
  };
}
