/**
 * The sync engine: the passes that keep a vendor's mirror. A full read walks the whole vendor (saving its
 * place with every batch it writes, so a restart resumes it) and reconciles: what it did not see goes. The
 * frequent pass reads only what changed (or what is new) since the high-water mark, minus an overlap, and
 * never deletes. Every call goes through the vendor's upstream stack (its outbound budget, 429 memory and
 * breaker, shared with live requests), leaving `reserve` of the budget to them and waiting when it is spent.
 */
import { JSONParser } from '@streamparser/json';
import { failure } from '../dialect/errors.js';
import { PageWalk } from '../dialect/page-walk.js';
import type { Token } from '../dialect/paging.js';
import { absentParams, type CompiledVendor } from '../dialect/vendor.js';
import type { FilterName } from '../model/query.js';
import type { VendorFailure } from '../errors/gateway-error.js';
import type { Clock } from '../state/clock.js';
import { ConsumerError, RefusedCall, UpstreamError, type Upstream } from '../upstream/client.js';
import { toRow } from './rows.js';
import { LeaseLost, type Fence, type FullRun, type MirrorMeta, type MirrorStore, type PassReport, type RowInput } from './store/mirror-store.js';
import type { FrequentPass, MirrorSpec } from './strategy.js';

export interface SyncContext {
  vendor: CompiledVendor & { mirror: MirrorSpec };
  store: MirrorStore;
  mirror: MirrorMeta;
  /** The uncached upstream stack (a sync's pages are its own). */
  upstream: Upstream;
  clock: Clock;
  /** Aborts the pass (stop, reload, lost lease). */
  signal: AbortSignal;
  /** The lease every write must still hold (absent: this process is the only writer). */
  fence?: () => Fence;
}

/** A pass that could not finish: what it did up to then, and why. */
export class SyncFailure extends Error {
  constructor(
    readonly report: PassReport,
    readonly failure: VendorFailure,
  ) {
    super(failure.message);
  }
}

interface Counters {
  calls: number;
  items: number;
  changed: number;
  dropped: number;
  maxUpdated: number | null;
  maxCreated: number | null;
}

const counters = (): Counters => ({ calls: 0, items: 0, changed: 0, dropped: 0, maxUpdated: null, maxCreated: null });
const max = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));

/** The longest a streamed full read may take in all (its chunks each come within timeoutMs). */
const STREAM_DEADLINE_MS = 3_600_000;

/** How long a small body is kept whole, so an empty answer can be checked for its list. */
const SMALL_BODY = 64 * 1024;

/**
 * Reads the whole vendor into the mirror and reconciles it. Resumes the unfinished read the mirror records,
 * if any; the mirror is ready (and complete as of the read's start) when it ends.
 */
export async function fullRead(ctx: SyncContext): Promise<PassReport> {
  const { vendor: v, store, clock } = ctx;
  const spec = v.mirror;
  const startedAt = clock.now();
  const c = counters();
  const meta = ctx.mirror;
  const run: FullRun = meta.run ?? { id: meta.runs + 1, startedAt, firstTotal: null, lastTotal: null, calls: 0, items: 0, changed: 0 };
  const resumed = meta.run !== null;
  if (!resumed) await store.patch(meta.id, { runs: run.id, run }, ctx.fence?.());
  // Figures of this attempt (a resumed read says so; the checkpoint keeps the whole read's).
  const report = (error: VendorFailure | null): PassReport => ({
    kind: 'full',
    startedAt,
    durationMs: clock.now() - startedAt,
    calls: c.calls,
    items: c.items,
    changed: c.changed,
    ...(resumed ? { resumed: true } : {}),
    error: error && { code: error.code, message: error.message },
  });
  try {
    // A stable order where the vendor has one: new conversations land at the end instead of shifting pages.
    const creation = v.paging.style === 'none' ? null : v.orderFor('createdAt', 'asc');
    const byCreation = creation !== null;
    // Every filter's whenAbsent parameters too: a vendor that answers one status unless told must answer all.
    const params = [...v.fixedParams({ messages: spec.withMessages }), ...absentParams(v.filters, []), ...(creation ?? [])];
    // Keyset cursors over a creation order never skip an item when others go: such a walk saw everything.
    let complete = byCreation && v.paging.style === 'cursor';
    if (v.paging.style === 'none') {
      await readBody(ctx, params, c, async (rows) => {
        const w = await store.write(meta.id, rows, { now: clock.now(), runId: run.id, ...fenced(ctx) });
        c.changed += w.changed;
        if (c.items > spec.maxItems) throw tooMany(v, spec);
      });
      complete = true; // one body: every conversation the vendor had at one moment
    } else {
      let token: Token | undefined = run.done ? undefined : run.token === undefined ? v.paging.first() : run.token;
      const size = v.paging.maxPageSize;
      const walk = new PageWalk(v.name, v.paging.style);
      while (token !== undefined) {
        walk.ask(token);
        const page = await readPage(ctx, params, token, size, c);
        walk.arrived(page.rows.map((r) => r.id));
        if (run.firstTotal === null) run.firstTotal = page.total;
        run.lastTotal = page.total ?? run.lastTotal;
        if ((page.total ?? 0) > spec.maxItems || run.items + c.items > spec.maxItems) throw tooMany(v, spec);
        token = v.paging.next(token, size, page.facts);
        // The rows and where to go on from them, in one transaction: a restart resumes after this page.
        const checkpoint: FullRun = { ...run, ...(token === undefined ? { done: true } : { token }), calls: run.calls + c.calls, items: run.items + c.items, changed: run.changed + c.changed };
        const w = await store.write(meta.id, page.rows, { now: clock.now(), runId: run.id, meta: { run: checkpoint }, ...fenced(ctx) });
        c.changed += w.changed;
        if (token === undefined) break;
      }
    }
    const done = report(null);
    // Changes made while the read went on may sit on pages it had passed: the next incremental pass starts
    // no later than the read's start.
    const marks = { hwmUpdated: min(c.maxUpdated, run.startedAt), hwmCreated: min(c.maxCreated, run.startedAt) };
    const { deleted } = await store.finishFull(meta.id, run, {
      now: clock.now(),
      ...(complete ? { complete: true } : { expected: run.firstTotal !== null && run.firstTotal === run.lastTotal ? run.lastTotal : null }),
      meta: marks,
      report: done,
      ...fenced(ctx),
    });
    return { ...done, deleted };
  } catch (e) {
    if (lost(e)) throw lost(e);
    const f = asFailure(e, v);
    const r = report(f);
    // The checkpoint stays: the next attempt resumes. A vendor too large to mirror starts over when it shrinks.
    await store.patch(meta.id, { lastFull: r, ...(f.code === 'UPSTREAM_TOO_LARGE' ? { run: null } : {}) }, ctx.fence?.()).catch(() => undefined);
    throw new SyncFailure(r, f);
  }
}

/**
 * The pass between full reads: changes (or new conversations) since the high-water mark, minus the overlap.
 * A changes pass also moves syncedAt: the copy is then complete as of its start.
 */
export async function frequentPass(ctx: SyncContext): Promise<PassReport> {
  const { vendor: v, store, clock } = ctx;
  const spec = v.mirror;
  const pass = spec.frequent;
  if (!pass) throw new Error(`${v.name}: strategy full has no frequent pass`);
  const startedAt = clock.now();
  const c = counters();
  const meta = ctx.mirror;
  const kind = pass.kind === 'changes' ? 'incremental' : 'head';
  const report = (error: VendorFailure | null): PassReport => ({
    kind,
    startedAt,
    durationMs: clock.now() - startedAt,
    calls: c.calls,
    items: c.items,
    changed: c.changed,
    error: error && { code: error.code, message: error.message },
  });
  const write = async (rows: RowInput[]) => {
    const w = await store.write(meta.id, rows, { now: clock.now(), ...fenced(ctx) });
    c.changed += w.changed;
  };
  try {
    const mark = markOf(meta, pass, spec);
    // No mark yet (nothing seen had that instant): one page, rather than the whole vendor every time.
    const pages = pass.via === 'pages' ? pass.pages : mark === null ? 1 : Number.POSITIVE_INFINITY;
    const params: [string, string][] = [...v.fixedParams({ messages: spec.withMessages })];
    const carried: FilterName[] = [];
    if (pass.via === 'filter' && mark !== null) {
      const r = v.filters[pass.filter].push!(mark);
      if ('params' in r) {
        params.push(...r.params);
        carried.push(pass.filter);
      }
    }
    params.push(...absentParams(v.filters, carried));
    if (pass.via === 'order') params.push(...(v.orderFor(pass.field, 'desc') ?? []));
    if (v.paging.style === 'none') {
      await readBody(ctx, params, c, write);
    } else {
      let token: Token | undefined = v.paging.first();
      const size = v.paging.maxPageSize;
      const walk = new PageWalk(v.name, v.paging.style);
      for (let n = 0; token !== undefined; n++) {
        if (n >= pages) break;
        walk.ask(token);
        const page = await readPage(ctx, params, token, size, c);
        walk.arrived(page.rows.map((r) => r.id));
        await write(page.rows);
        if (c.items > spec.maxItems) throw tooMany(v, spec);
        // Newest first: past the mark, everything older is already in the copy.
        if (pass.via === 'order' && mark !== null && page.oldest !== undefined && (page.oldest === null || page.oldest < mark)) break;
        token = v.paging.next(token, size, page.facts);
      }
    }
    const done = report(null);
    await store.patch(meta.id, { hwmUpdated: c.maxUpdated, hwmCreated: c.maxCreated, lastPass: done, ...(pass.kind === 'changes' ? { syncedAt: startedAt } : {}) }, ctx.fence?.());
    return done;
  } catch (e) {
    if (lost(e)) throw lost(e);
    const f = asFailure(e, v);
    const r = report(f);
    await store.patch(meta.id, { lastPass: r }, ctx.fence?.()).catch(() => undefined);
    throw new SyncFailure(r, f);
  }
}

/** Where a frequent pass starts: the mark of its field, minus the overlap (null: read from the top). */
function markOf(meta: MirrorMeta, pass: FrequentPass, spec: MirrorSpec): number | null {
  const field = pass.via === 'pages' ? null : pass.via === 'filter' ? (pass.filter === 'updatedAfter' ? 'updated' : 'created') : pass.field === 'updatedAt' ? 'updated' : 'created';
  const hwm = field === 'updated' ? meta.hwmUpdated : field === 'created' ? meta.hwmCreated : null;
  return hwm === null ? null : hwm - spec.overlapMs;
}

const min = (a: number | null, b: number) => (a === null ? null : Math.min(a, b));

/** The lease was lost somewhere under `e`: the pass stops, and says so as it is. */
function lost(e: unknown): LeaseLost | null {
  const inner = e instanceof ConsumerError ? e.cause : e;
  return inner instanceof LeaseLost ? inner : null;
}

const fenced = (ctx: SyncContext): { fence?: Fence } => (ctx.fence ? { fence: ctx.fence() } : {});

interface ReadPage {
  rows: RowInput[];
  facts: { count: number; total: number | null; nextCursor: string | null; hasMore: boolean | null };
  total: number | null;
  /** The oldest update or creation instant on the page in the pass's field (undefined: not tracked). */
  oldest?: number | null;
}

/** One page, through the upstream stack, mapped to rows. */
async function readPage(ctx: SyncContext, params: readonly [string, string][], token: Token, size: number, c: Counters): Promise<ReadPage> {
  const v = ctx.vendor;
  const res = await call(ctx, v.buildRequest(params, token, size), c);
  const page = v.readPage(res);
  if (!('items' in page)) throw new UpstreamError(page);
  const rows = toRows(ctx, page.items, c);
  const field = v.mirror.frequent?.via === 'order' ? v.mirror.frequent.field : null;
  let oldest: number | null | undefined;
  if (field) {
    for (const r of rows) {
      const t = r.times[field];
      oldest = oldest === undefined ? t : oldest === null || t === null ? null : Math.min(oldest, t);
    }
  }
  return { rows, facts: page.facts, total: page.facts.total, ...(oldest !== undefined ? { oldest } : {}) };
}

/**
 * A vendor that answers with every conversation in one body: the body is parsed as it streams and written
 * in batches, so memory holds one batch, not the body. A body that can't be streamed is read whole.
 */
async function readBody(ctx: SyncContext, params: readonly [string, string][], c: Counters, write: (rows: RowInput[]) => Promise<void>): Promise<void> {
  const v = ctx.vendor;
  const spec = v.mirror;
  const req = v.buildRequest(params, v.paging.first(), spec.maxItems);
  if (!spec.streamed || v.itemKeys === null) {
    const res = await call(ctx, req, c);
    const page = v.readPage(res);
    if (!('items' in page)) throw new UpstreamError(page);
    const rows = toRows(ctx, page.items, c);
    for (let i = 0; i < rows.length; i += spec.batchSize) await write(rows.slice(i, i + spec.batchSize));
    return;
  }
  const keys = v.itemKeys;
  const where = keys.length === 0 ? '$' : keys.join('.');
  const sink = async (body: AsyncIterable<Buffer>) => {
    // A fresh parser per attempt: a retried call streams from the start again.
    const parser = new JSONParser({ paths: [`$${keys.map((k) => `.${k}`).join('')}.*`], keepStack: false });
    let batch: unknown[] = [];
    let listSeen = false;
    let notList = false;
    parser.onValue = ({ value, parent }) => {
      if (!Array.isArray(parent)) notList = true;
      listSeen = true;
      batch.push(value);
    };
    const small: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of body) {
        if (size < SMALL_BODY) small.push(chunk);
        size += chunk.length;
        parser.write(chunk);
        if (notList) throw new Error(`expected a list of items at "${where}"`);
        if (batch.length >= spec.batchSize) {
          const b = batch;
          batch = [];
          await write(toRows(ctx, b, c));
        }
      }
      if (!parser.isEnded) parser.end();
    } catch (e) {
      if (e instanceof ConsumerError || e instanceof UpstreamError) throw e;
      throw new UpstreamError(failure('UPSTREAM_INVALID_RESPONSE', `GET ${v.origin}${req.path}: ${(e as Error).message}`, { upstreamStatus: 200 }));
    }
    if (batch.length > 0) await write(toRows(ctx, batch, c));
    // No item came: make sure the body had the (empty) list, or an empty answer would read as "all deleted".
    if (!listSeen) {
      const text = size <= SMALL_BODY ? Buffer.concat(small).toString('utf8') : null;
      const page = text === null ? null : v.readPage({ status: 200, headers: {}, body: text });
      if (!page || !('items' in page)) throw new UpstreamError(failure('UPSTREAM_INVALID_RESPONSE', `GET ${v.origin}${req.path}: expected a list of items at "${where}"`, { upstreamStatus: 200 }));
    }
  };
  const res = await call(ctx, req, c, sink);
  if (res.status < 200 || res.status > 299) {
    const page = v.readPage(res);
    throw new UpstreamError('items' in page ? failure('UPSTREAM_INVALID_RESPONSE', `unexpected status ${res.status}`, { upstreamStatus: res.status }) : page);
  }
}

function toRows(ctx: SyncContext, items: readonly unknown[], c: Counters): RowInput[] {
  const rows: RowInput[] = [];
  c.items += items.length;
  for (const raw of items) {
    const r = toRow(ctx.vendor, raw, ctx.vendor.mirror.keepRaw);
    if ('drop' in r) {
      c.dropped++;
      continue;
    }
    c.maxUpdated = max(c.maxUpdated, r.times.updatedAt);
    c.maxCreated = max(c.maxCreated, r.times.createdAt);
    rows.push(r);
  }
  return rows;
}

/**
 * One vendor call for the sync. Out of budget (ours, or the vendor's 429) is not a failure: the sync waits
 * as long as it is told and asks again, so it only ever spends what live requests leave.
 */
async function call(ctx: SyncContext, req: ReturnType<CompiledVendor['buildRequest']>, c: Counters, sink?: (body: AsyncIterable<Buffer>) => Promise<void>) {
  const v = ctx.vendor;
  const spec = v.mirror;
  // A streamed body is bounded by maxBytes and by the idle time between its chunks (timeoutMs), not by a
  // total: a large bare array takes as long as it takes to read.
  const totalMs = sink ? STREAM_DEADLINE_MS : spec.timeoutMs;
  for (;;) {
    if (ctx.signal.aborted) throw ctx.signal.reason ?? new Error('sync stopped');
    const deadline = AbortSignal.timeout(totalMs);
    const signal = AbortSignal.any([ctx.signal, deadline]);
    let waitS: number | null = null;
    try {
      const res = await ctx.upstream.get(v, req, {
        signal,
        deadline: ctx.clock.now() + totalMs,
        timedOut: () => deadline.aborted,
        timeoutMs: spec.timeoutMs,
        requestId: `mirror-sync-${v.name}`,
        reserve: spec.reserve,
        maxBytes: spec.maxBytes,
        ...(sink ? { sink } : {}),
      });
      c.calls++;
      if (res.status !== 429) return res;
      waitS = v.mapError(res).retryAfter ?? 30;
    } catch (e) {
      // Out of budget, or told to wait (429 memory): the sync's turn comes when it is told. An open circuit
      // fails the pass (the vendor is down: the mirror says so).
      if (!(e instanceof RefusedCall && e.failure.code === 'RATE_LIMITED')) {
        if (!(e instanceof RefusedCall)) c.calls++;
        throw e;
      }
      waitS = e.failure.retryAfter ?? 1;
    }
    await ctx.clock.sleep(Math.max(1, waitS) * 1000, ctx.signal);
  }
}

function tooMany(v: CompiledVendor, spec: MirrorSpec): ConsumerError {
  return new ConsumerError(new UpstreamError(failure('UPSTREAM_TOO_LARGE', `${v.name} holds more than mirror.maxItems (${spec.maxItems}) conversations`)));
}

/** Why a pass failed, scrubbed as every vendor failure is (it is shown in /vendors and logged). */
function asFailure(e: unknown, v: CompiledVendor): VendorFailure {
  const inner = e instanceof ConsumerError ? e.cause : e;
  if (inner instanceof UpstreamError) return v.scrub(inner.failure);
  const message = (inner as Error)?.message ?? String(inner);
  return v.scrub(failure('UPSTREAM_ERROR', `mirror sync of ${v.name} failed: ${message}`));
}
