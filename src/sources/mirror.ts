/**
 * The mirror source: a mirrored vendor's conversations read from the local index, as of one revision.
 * Each read is a keyset range scan from the cursor's key in the requested order, so a page costs the same
 * at any depth; the filters and the exact total are answered by the store. No vendor call.
 */
import { LRUCache } from 'lru-cache';
import type { CompiledVendor } from '../dialect/vendor.js';
import type { Item } from '../model/conversation.js';
import type { Filters, Query } from '../model/query.js';
import type { VendorPlan } from '../plan/plan.js';
import type { Clock } from '../state/clock.js';
import { MirrorItem } from '../mirror/rows.js';
import type { MirrorFilters, MirrorStore } from '../mirror/store/mirror-store.js';
import { emptyStats, type Freshness, type OrderedStream, type Snapshot, type Source } from './source.js';

/** What a request may read of one vendor's mirror: the snapshot and how fresh it is. */
export interface MirrorView {
  store: MirrorStore;
  mirrorId: number;
  /** The revision read: the current one, or the one a cursor's walk pinned. */
  rev: number;
  /** Conversations in the copy, when `rev` is the current revision (the mirror counts them as it writes). */
  rows?: number;
  syncedAt: number | null;
  maxLagMs: number;
  /** Exact counts per snapshot and filters, shared by requests (a snapshot never changes). */
  counts: MirrorCounts;
  /** Said in the vendor's report (e.g. a walk's snapshot was collected and the current one is read). */
  note?: string;
}

export type MirrorCounts = LRUCache<string, number>;
export const mirrorCounts = (): MirrorCounts => new LRUCache<string, number>({ max: 10_000 });

/** Rows asked of the store at most per read; a page needs far fewer. */
const MAX_BATCH = 1_000;
/** Reads of at most this many rows bring the rows' shapes along (see readMore). */
const INLINE_SHAPES = 128;

export function mirrorSource(p: VendorPlan, v: CompiledVendor, q: Query, view: MirrorView, clock: Clock): Source {
  const stats = emptyStats();
  const filters = mirrorFilters(q.filters, p.pushed);
  const include = { messages: q.include.includes('messages'), raw: q.include.includes('raw') };
  const parts = { extra: include.messages, raw: include.raw };
  const timed = async <T>(f: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await f();
    } finally {
      stats.latencyMs += performance.now() - started;
    }
  };
  // Rows read so far, in order, shared by every stream over this source (the merge may run again).
  const rows: MirrorItem[] = [];
  const mine = new Set<Item>();
  let ended = false;
  let reading: Promise<void> | null = null;
  // The merge takes at most offset + limit items in all and peeks one more: no stream is ever read further.
  const want = (q.positions ? 0 : q.offset) + q.limit + 1;
  const readMore = () =>
    (reading ??= timed(async () => {
      const last = rows.at(-1);
      const after = last ? { time: last.times[q.orderBy], id: last.id } : q.after;
      const size = Math.min(MAX_BATCH, rows.length < want ? want - rows.length : MAX_BATCH);
      // A short read (a first page, a cursor's page) shows most of what it reads: their shapes come in the
      // same query. A deep one (offset=1000) reads keys only, and the shapes of the few it shows after.
      const add = (item: MirrorItem) => {
        rows.push(item);
        mine.add(item);
      };
      let got: number;
      if (size <= INLINE_SHAPES) {
        const read = await view.store.page(view.mirrorId, view.rev, filters, q.orderBy, q.orderDir, after, size, parts);
        for (const r of read) {
          const item = new MirrorItem(r, include);
          item.fill(r);
          add(item);
        }
        got = read.length;
      } else {
        const read = await view.store.page(view.mirrorId, view.rev, filters, q.orderBy, q.orderDir, after, size);
        for (const r of read) add(new MirrorItem(r, include));
        got = read.length;
      }
      if (got < size) ended = true;
    }).finally(() => {
      reading = null;
    }));

  const countKey = `${view.mirrorId}:${view.rev}:${JSON.stringify(filters)}`;
  return {
    kind: 'mirror',
    plan: p,
    vendor: v,
    stats,
    ...(view.note ? { note: view.note } : {}),
    stream(): OrderedStream {
      let i = 0;
      return {
        vendor: v.name,
        async peek() {
          while (i >= rows.length && !ended) await readMore();
          return rows[i] ?? null;
        },
        take() {
          i++;
        },
        // Keyset reads resume from the cursor's key: no vendor position to carry.
        position: () => null,
      };
    },
    position: () => null,
    async fill(items) {
      const todo = items.filter((i): i is MirrorItem => mine.has(i) && !(i as MirrorItem).filled);
      if (todo.length === 0) return;
      const shapes = await timed(() => view.store.shapes(view.mirrorId, view.rev, todo.map((i) => i.id), parts));
      for (const item of todo) {
        const s = shapes.get(item.id);
        if (!s) throw new Error(`${item.id} vanished from revision ${view.rev} of the mirror`);
        item.fill(s);
      }
    },
    async total() {
      // No filter at the current revision: the mirror's own count, no scan.
      if (view.rows !== undefined && Object.keys(filters).length === 0) return view.rows;
      const cached = view.counts.get(countKey);
      if (cached !== undefined) return cached;
      const n = await timed(() => view.store.count(view.mirrorId, view.rev, filters));
      view.counts.set(countKey, n);
      return n;
    },
    freshness(): Freshness {
      const lagMs = view.syncedAt === null ? null : Math.max(0, clock.now() - view.syncedAt);
      return { syncedAt: view.syncedAt, lagMs, stale: lagMs === null || lagMs > view.maxLagMs };
    },
    snapshot: (): Snapshot => ({ mirror: view.mirrorId, rev: view.rev }),
  };
}

/** The query's filters the mirror evaluates (every one the plan gave it). */
function mirrorFilters(f: Filters, names: readonly string[]): MirrorFilters {
  const out: MirrorFilters = {};
  for (const n of names) {
    const value = f[n as keyof Filters];
    if (value !== undefined) (out as Record<string, unknown>)[n] = value;
  }
  return out;
}
