/**
 * The live lazy source: a vendor that orders for us, read page by page only as deep as the merge needs.
 * Its order says nothing of ties, so an item is released only once the vendor has moved past its instant.
 */
import { pageSizeFor, type Paging } from '../dialect/paging.js';
import type { CompiledVendor } from '../dialect/vendor.js';
import type { Item } from '../model/conversation.js';
import { compareKeys, compareTimes, keyOf } from '../model/order.js';
import type { OrderDir, OrderField, Query, SortKey, VendorPosition } from '../model/query.js';
import { buildLocalFilter } from '../plan/local-filter.js';
import type { VendorPlan } from '../plan/plan.js';
import { failure } from '../dialect/errors.js';
import type { VendorFailure } from '../errors/gateway-error.js';
import { UpstreamError } from '../upstream/client.js';
import { VendorFetcher, type FetchContext, type Fetched, type SourcePage } from './fetcher.js';
import type { OrderedStream, Source } from './source.js';

export interface PageSource {
  /** The i-th page from where reading started, or null past the last one. */
  page(i: number): Promise<SourcePage | null>;
  /** Where a page's item sits, for resuming there later. */
  position(page: SourcePage, index: number): VendorPosition;
  /** Where reading would continue after the last page fetched so far. */
  end(): VendorPosition | null;
}

export interface StreamOptions {
  orderBy: OrderField;
  orderDir: OrderDir;
  /** Keep only items the local filters accept. */
  accept: (item: Item) => boolean;
  /** Keep only items strictly after this key (continuing from a cursor). */
  after?: SortKey;
}

/** A thrown marker: the vendor broke the order it promised, so its items can't be merged lazily. */
export class OrderViolation extends Error {}

interface Pending {
  item: Item;
  page: SourcePage;
  index: number;
  /** Order in which the vendor sent it. */
  seq: number;
}

/**
 * Reads a vendor that orders by our field itself. Its order says nothing of ties, so an item is released
 * only once the vendor has moved past its instant (or ended); until then it waits, sorted by id.
 */
export function orderedStream(vendor: string, source: PageSource, opts: StreamOptions): OrderedStream {
  const cmp = compareKeys(opts.orderDir);
  const cmpTime = compareTimes(opts.orderDir);
  const key = (i: Item) => keyOf(i, opts.orderBy);
  const pending: Pending[] = [];
  const seen = new Set<string>();
  let pageNo = 0;
  let page: SourcePage | null | undefined;
  let index = 0;
  let done = false;
  let lastTime: number | null | undefined;
  let seq = 0;

  async function readOne(): Promise<void> {
    if (page === undefined || (page !== null && index >= page.entries.length)) {
      page = await source.page(pageNo++);
      index = page ? page.skip : 0;
      if (page === null) done = true;
      return;
    }
    if (page === null) return;
    const i = index++;
    const item = page.entries[i];
    if (!item) return;
    const t = item.times[opts.orderBy];
    if (lastTime !== undefined && cmpTime(t, lastTime) < 0) {
      throw new OrderViolation(`items arrived out of ${opts.orderBy} ${opts.orderDir} order`);
    }
    lastTime = t;
    const id = item.id;
    if (seen.has(id)) return; // offset paging over moving data can repeat an item
    seen.add(id);
    if (!opts.accept(item)) return;
    if (opts.after && cmp(key(item), opts.after) <= 0) return;
    // Insert in order; the pending list only ever holds one instant's ties, so it stays short.
    const entry = { item, page, index: i, seq: seq++ };
    let at = pending.length;
    while (at > 0 && cmp(key(pending[at - 1]!.item), key(item)) > 0) at--;
    pending.splice(at, 0, entry);
  }

  const releasable = (): boolean => {
    const head = pending[0];
    if (!head) return false;
    if (done) return true;
    return lastTime !== undefined && cmpTime(head.item.times[opts.orderBy], lastTime) < 0;
  };

  return {
    vendor,
    async peek() {
      while (!releasable() && !done) await readOne();
      return pending[0]?.item ?? null;
    },
    take() {
      pending.shift();
    },
    position() {
      // Resume at the earliest item read but not yet returned; anything returned after it is skipped
      // again by the cursor's key.
      let first: Pending | undefined;
      for (const p of pending) if (!first || p.seq < first.seq) first = p;
      if (first) return source.position(first.page, first.index);
      if (page && index < page.entries.length) return source.position(page, index);
      return source.end();
    },
  };
}

/**
 * Pages of a vendor that orders for us, fetched only when the merge needs them. The first page is as large
 * as the merge can need (`pageSize`); when more are needed — local filters dropped items, or a tie group ran
 * past the page — each next page doubles, up to the vendor's maximum, so a sparse match costs few calls.
 * Page-number paging pins one size for the whole walk.
 */
export function lazySource(f: VendorFetcher, pageSize: number, start?: VendorPosition, sparse = false, why: BoundContext = { localOnly: [], orderBy: 'lastActivityAt' }): PageSource {
  const paging = f.vendor.paging;
  const first = start?.size !== undefined && paging.fixedSize ? start.size : firstPageSize(paging, pageSize, sparse);
  const grow = (i: number) => (paging.fixedSize ? first : Math.min(paging.maxPageSize, first * 2 ** i));
  let sizeOf = grow;
  const pages: Promise<Fetched | null>[] = [];
  let endPos: VendorPosition | null = null;

  // Offset paging knows every page's token in advance: the pages the request surely needs (pageSize items
  // deep) are asked for a few at a time instead of one after another.
  const byOffset = paging.style === 'offset';
  const startOffset = Number(start?.token ?? paging.first());
  const offsetOf = (i: number) => {
    let o = startOffset;
    for (let k = 0; k < i; k++) o += sizeOf(k);
    return o;
  };
  let planned = 1;
  while (byOffset && offsetOf(planned) - startOffset < pageSize) planned++;
  if (planned > 1) {
    // The last page the request surely needs asks for just the rest, so a deep page reads what it needs.
    const rest = pageSize - (offsetOf(planned - 1) - startOffset);
    sizeOf = (i) => (i === planned - 1 ? Math.max(paging.minPageSize, rest) : grow(i));
  }
  const early = new Map<number, Promise<Fetched>>();
  const prefetch = (from: number) => {
    for (let j = from; j < Math.min(planned, from + PREFETCH_WINDOW); j++) {
      if (early.has(j)) continue;
      const p = f.fetch(offsetOf(j), sizeOf(j), j === 0 ? (start?.skip ?? 0) : 0);
      p.catch(() => undefined); // awaited (and its error seen) only if the stream gets that far
      early.set(j, p);
    }
  };

  // The pages the page's depth needs (pageSize items, the re-read prefix of a resumed page included); past
  // them, reading is bounded by the vendor's lazyRead, however sparse the matches or long the tie.
  const depth = pageSize + (start?.skip ?? 0);
  let needed = 0;
  for (let covered = 0; covered < depth; needed++) covered += sizeOf(needed);
  const bound = f.vendor.lazyRead;
  const withinBound = (i: number) => {
    const past = f.stats.fetched - depth;
    if (i >= needed + bound.maxCalls || past >= bound.maxItems) throw new UpstreamError(tooFar(f, why));
  };

  const load = (i: number): Promise<Fetched | null> => {
    const cached = pages[i];
    if (cached) return cached;
    const p = (async () => {
      if (byOffset) prefetch(i);
      if (i === 0) return early.get(0) ?? f.fetch(start?.token ?? paging.first(), first, start?.skip ?? 0);
      const prev = await load(i - 1);
      if (!prev) return null;
      const next = paging.next(prev.page.token, prev.page.size, prev.facts);
      if (next === undefined) return null;
      const pre = early.get(i);
      if (pre && next === offsetOf(i)) return pre;
      if (i >= needed) withinBound(i);
      return f.fetch(next, sizeOf(i), 0);
    })();
    pages[i] = p;
    return p;
  };

  return {
    async page(i) {
      const r = await load(i);
      if (r) {
        const next = paging.next(r.page.token, r.page.size, r.facts);
        // A vendor's cursor travels on in the caller's nextCursor (readable, only signed): one that carries a
        // secret of ours (a vendor echoing our key into it) is not handed on.
        if (typeof next === 'string' && f.vendor.redact(next) !== next) {
          throw new UpstreamError(failure('UPSTREAM_INVALID_RESPONSE', `${f.vendor.name}'s next cursor carries one of the credentials we send it; not handed on in ours`, { upstreamStatus: 200 }));
        }
        endPos = next === undefined ? null : { token: next, skip: 0, ...(paging.fixedSize ? { size: first } : {}) };
      }
      return r?.page ?? null;
    },
    position: (page, index) => paging.position(page.token, page.size, index),
    end: () => endPos,
  };
}

/** What the lazy-read bound's error names: why reading went past the page (filters checked here, ties). */
export interface BoundContext {
  /** Filters the vendor can't apply, checked here on each item. */
  localOnly: readonly string[];
  orderBy: OrderField;
}

function tooFar(f: VendorFetcher, why: BoundContext): VendorFailure {
  const v = f.vendor;
  const cause =
    why.localOnly.length > 0
      ? `${why.localOnly.join(', ')} checked here (not by ${v.name}) matched too few`
      : `too many items tie on one ${why.orderBy} instant`;
  // Kept under the 300 characters a message is cut to.
  return failure(
    'UPSTREAM_TOO_LARGE',
    `${v.name}: ${f.stats.fetched} items in ${f.stats.calls} calls did not fill the page: ${cause}. ` +
      `Over lazyRead (${v.lazyRead.maxItems} items, ${v.lazyRead.maxCalls} calls past the page's depth): narrow the query, or serve ${v.name} from a mirror (it answers such queries by index)`,
  );
}

/**
 * The first lazy call's size: what the merge can need, within the vendor's largest page; page numbers pin
 * one size for the whole walk, so when local filters thin the matches that size is the largest.
 */
export function firstPageSize(paging: Paging, want: number, sparse: boolean): number {
  return paging.fixedSize && sparse ? paging.maxPageSize : pageSizeFor(paging, want);
}

/** Pages of one vendor asked for at once when their tokens are known in advance. */
const PREFETCH_WINDOW = 8;

/**
 * Items a lazily read vendor may have to supply: the whole page, the one item that tells whether there is
 * a next page, and one more that shows the vendor has moved past that item's instant (ties wait for it).
 */
export const lazyWant = (q: Query): number => (q.positions ? 0 : q.offset) + q.limit + 2;

/** The vendor read lazily for this query, resuming where the cursor left it. */
export function liveLazySource(p: VendorPlan, v: CompiledVendor, q: Query, ctx: FetchContext): Source {
  const fetcher = new VendorFetcher(v, p.params, ctx);
  const rechecked = p.local.filter((n) => p.pushed.includes(n));
  const localOnly = p.local.filter((n) => !p.pushed.includes(n));
  const recheck = buildLocalFilter(rechecked, q.filters);
  const localFilter = buildLocalFilter(localOnly, q.filters);
  let vendorDisagreed = false;
  // Ids (not a count: a re-run merge reads the same items again) of the matches seen.
  const matched = new Set<string>();
  const accept = (i: Item) => {
    if (!recheck(i)) {
      vendorDisagreed = true; // the vendor returned an item its own filter should have excluded
      return false;
    }
    if (!localFilter(i)) return false;
    matched.add(i.id);
    return true;
  };
  const start = q.positions?.[p.vendor];
  const position = start === 'done' ? undefined : start;
  const source = lazySource(fetcher, lazyWant(q), position, localOnly.length > 0, { localOnly, orderBy: q.orderBy });
  let latest: OrderedStream | undefined;
  return {
    kind: 'live-lazy',
    plan: p,
    vendor: v,
    stats: fetcher.stats,
    stream: () => (latest = orderedStream(v.name, source, { orderBy: q.orderBy, orderDir: q.orderDir, accept, ...(q.after ? { after: q.after } : {}) })),
    // The first page, shared with every stream; its failure is seen by the stream that reads it.
    start: () => void source.page(0).catch(() => undefined),
    position: () => latest?.position() ?? null,
    async total(exhausted) {
      // Read from the start to the end: we counted every match ourselves.
      if (exhausted && !q.after) return matched.size;
      const carried = q.totals?.[p.vendor];
      if (position !== undefined && carried != null && fetcher.stats.vendorTotal === null) return carried;
      return p.vendorTotalExact && !vendorDisagreed && fetcher.stats.dropped === 0 ? fetcher.stats.vendorTotal : null;
    },
  };
}
