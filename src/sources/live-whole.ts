/**
 * The live whole source: a vendor that can't order for us (or can't be trusted to), read whole up to its
 * cap, filtered and sorted here. Every match is held, so its count is exact.
 */
import { LRUCache } from 'lru-cache';
import { failure } from '../dialect/errors.js';
import type { Token } from '../dialect/paging.js';
import type { CompiledVendor } from '../dialect/vendor.js';
import type { Item } from '../model/conversation.js';
import { compareKeys, keyOf } from '../model/order.js';
import type { OrderDir, OrderField, Query, SortKey } from '../model/query.js';
import { buildLocalFilter } from '../plan/local-filter.js';
import type { VendorPlan } from '../plan/plan.js';
import { UpstreamError } from '../upstream/client.js';
import { VendorFetcher, type FetchContext, type SourcePage } from './fetcher.js';
import type { OrderedStream, Source } from './source.js';

/** A vendor read whole: `items` are its matches (already filtered), sorted here. */
export function sortedStream(vendor: string, items: readonly Item[], opts: { orderBy: OrderField; orderDir: OrderDir; after?: SortKey }): OrderedStream {
  const cmp = compareKeys(opts.orderDir);
  let list = [...items].sort((a, b) => cmp(keyOf(a, opts.orderBy), keyOf(b, opts.orderBy)));
  if (opts.after) {
    const after = opts.after;
    list = list.filter((i) => cmp(keyOf(i, opts.orderBy), after) > 0);
  }
  let i = 0;
  return {
    vendor,
    peek: async () => list[i] ?? null,
    take() {
      i++;
    },
    position: () => null,
  };
}

/**
 * Totals last seen per vendor and query, so a vendor read whole by offsets can be asked for all its pages
 * at once: one round trip instead of "first page, then the rest". Bounded; a wrong hint only costs a call.
 */
export type TotalHints = LRUCache<string, number>;
export const totalHints = (): TotalHints => new LRUCache<string, number>({ max: 5_000 });

/**
 * Every item of a vendor that can't order for us, up to its cap. Offset paging fetches its pages
 * concurrently: all expected pages at once when a total hint exists, else the rest once the first page has
 * told the total.
 */
export async function readWhole(f: VendorFetcher, hints?: TotalHints): Promise<Item[]> {
  const v = f.vendor;
  // Found too large for this query a moment ago (over maxItems, or a body over maxResponseBytes): the call
  // could only fail again, at the vendor's cost and ours.
  const known = hints?.get(f.hintKey);
  if (known !== undefined && known > v.maxItems) {
    throw new UpstreamError(failure('UPSTREAM_TOO_LARGE', `more than ${v.maxItems} items to read whole (found so within the last ${TOO_LARGE_MEMORY_MS / 1000} s, not called again yet); narrow the query or raise maxItems for ${v.name}`));
  }
  try {
    return await readAll(f, hints);
  } catch (e) {
    if (e instanceof UpstreamError && e.failure.code === 'UPSTREAM_TOO_LARGE') hints?.set(f.hintKey, Math.max(v.maxItems + 1, known ?? 0), { ttl: TOO_LARGE_MEMORY_MS });
    throw e;
  }
}

async function readAll(f: VendorFetcher, hints?: TotalHints): Promise<Item[]> {
  const v = f.vendor;
  const paging = v.paging;
  const size = paging.maxPageSize;
  const items: Item[] = [];
  const seen = new Set<string>();
  const tooMany = () =>
    new UpstreamError(failure('UPSTREAM_TOO_LARGE', `more than ${v.maxItems} items to read whole; narrow the query or raise maxItems for ${v.name}`));
  const add = (page: SourcePage) => {
    for (const item of page.entries) {
      // Offset paging over moving data can repeat an item across pages.
      if (item && !seen.has(item.id)) {
        seen.add(item.id);
        items.push(item);
      }
    }
    if (f.stats.fetched > v.maxItems) throw tooMany();
  };

  if (paging.style === 'offset') {
    const key = f.hintKey;
    const hinted = hints?.get(key);
    const cap = Math.ceil(v.maxItems / size) * size;
    const upTo = (total: number) => Array.from({ length: Math.ceil(Math.min(total, cap + 1) / size) }, (_, i) => i * size);
    const asked = new Set<number>();
    const fetchAll = async (offsets: number[]) => {
      const todo = offsets.filter((o) => !asked.has(o));
      for (const o of todo) asked.add(o);
      for (let i = 0; i < todo.length; i += WHOLE_READ_CONCURRENCY) {
        const batch = await Promise.all(todo.slice(i, i + WHOLE_READ_CONCURRENCY).map((o) => f.fetch(o, size, 0)));
        for (const b of batch) add(b.page);
        const total = batch.find((b) => b.facts.total !== null)?.facts.total;
        if (total !== undefined && total !== null) {
          if (total > v.maxItems) throw tooMany();
          hints?.set(key, total);
        }
      }
    };
    await fetchAll(upTo(Math.max(1, hinted ?? 1)));
    const total = hints?.get(key) ?? null;
    if (total !== null) await fetchAll(upTo(total));
    else if (items.length >= size) {
      // No total: walk on until a short page.
      let offset = Math.max(...asked) + size;
      for (;;) {
        const next = await f.fetch(offset, size, 0);
        add(next.page);
        if (next.facts.count < size) break;
        offset += size;
      }
    }
    return items;
  }

  // Pages or cursors, one after another. Full pages reach maxItems in maxItems / size calls; a vendor
  // answering far smaller pages than asked (one item a page, say) would otherwise cost a call per item up to
  // maxItems. Twice the calls full pages need, plus lazyRead.maxCalls, leave room for pages that come short.
  const maxCalls = 2 * Math.ceil(v.maxItems / size) + v.lazyRead.maxCalls;
  let token: Token | undefined = paging.first();
  let facts = (await f.fetch(token, size, 0).then((r) => (add(r.page), r))).facts;
  if (facts.total !== null && facts.total > v.maxItems) throw tooMany();
  let calls = 1;
  while ((token = paging.next(token, size, facts)) !== undefined) {
    if (calls >= maxCalls) {
      throw new UpstreamError(failure('UPSTREAM_TOO_LARGE', `${v.name} answered ${f.stats.fetched} items in ${calls} calls, about ${Math.max(1, Math.round(f.stats.fetched / calls))} a page where ${size} were asked: reading it whole would take more than ${maxCalls} calls (twice what maxItems ${v.maxItems} needs at full pages, plus lazyRead.maxCalls ${v.lazyRead.maxCalls}); check its maxPageSize, narrow the query, or serve ${v.name} from a mirror`));
    }
    const next = await f.fetch(token, size, 0);
    calls++;
    add(next.page);
    facts = next.facts;
  }
  return items;
}

/** Calls in flight at once to one vendor while reading it whole. */
const WHOLE_READ_CONCURRENCY = 8;

/** How long a vendor found too large to read whole for a query is not called again for it. */
export const TOO_LARGE_MEMORY_MS = 60_000;

/** The vendor read whole for this query; the read happens when the merge first asks. */
export function liveWholeSource(p: VendorPlan, v: CompiledVendor, q: Query, ctx: FetchContext): Source {
  const fetcher = new VendorFetcher(v, p.params, ctx);
  const accept = buildLocalFilter(p.local, q.filters);
  let matches: Promise<Item[]> | undefined;
  let count: number | null = null;
  const load = () =>
    (matches ??= readWhole(fetcher, ctx.hints).then((items) => {
      const m = items.filter(accept);
      count = m.length;
      return m;
    }));
  const opts = { orderBy: q.orderBy, orderDir: q.orderDir, ...(q.after ? { after: q.after } : {}) };
  return {
    kind: 'live-whole',
    plan: p,
    vendor: v,
    stats: fetcher.stats,
    start: () => void load().catch(() => undefined),
    stream: () => deferred(v.name, async () => sortedStream(v.name, await load(), opts)),
    position: () => null,
    // Every match is held: the count is exact (before the cursor's key is applied).
    total: async () => count,
  };
}

/** A stream whose items exist only after an async load. */
export function deferred(vendor: string, load: () => Promise<OrderedStream>): OrderedStream {
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
