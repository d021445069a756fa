/**
 * Fetches one vendor's pages through the upstream client: lazily page by page (vendors that order for
 * us) or whole (vendors that can't), mapping each page's items once.
 */
import type { PageFacts, Paging, Token } from '../dialect/paging.js';
import { failure } from '../dialect/errors.js';
import type { CompiledVendor } from '../dialect/vendor.js';
import type { MapOptions } from '../dialect/fields.js';
import type { Item } from '../model/conversation.js';
import type { VendorPosition } from '../model/query.js';
import type { PageSource, SourcePage } from '../merge/stream.js';
import { LRUCache } from 'lru-cache';
import { UpstreamError, type Upstream } from '../upstream/client.js';
import type { Clock } from '../state/clock.js';

export interface SourceStats {
  calls: number;
  /** Raw items received from the vendor. */
  fetched: number;
  /** Items that could not be mapped (no id, unreadable timestamp). */
  dropped: number;
  /** The vendor's own total, when it gave one. */
  vendorTotal: number | null;
  latencyMs: number;
  /** Calls repeated after a transient failure. */
  retries: number;
  /** Time spent waiting for the vendor's outbound budget. */
  waitedMs: number;
}

export interface FetchContext {
  upstream: Upstream;
  /** The caller's signal: aborting it aborts every vendor call. */
  signal: AbortSignal;
  requestId: string;
  map: MapOptions;
  clock: Clock;
  /** Totals seen before, so whole reads can ask for every page at once. */
  hints?: TotalHints;
}

interface Fetched {
  page: SourcePage;
  facts: PageFacts;
}

/** One vendor's calls for one gateway request, sharing one deadline. */
export class VendorFetcher {
  readonly stats: SourceStats = { calls: 0, fetched: 0, dropped: 0, vendorTotal: null, latencyMs: 0, retries: 0, waitedMs: 0 };
  private readonly deadline: AbortSignal;
  private readonly deadlineAt: number;
  private readonly signal: AbortSignal;

  /** Identifies this vendor and query (paging aside), for total hints. */
  readonly hintKey: string;

  constructor(
    readonly vendor: CompiledVendor,
    private readonly params: readonly [string, string][],
    private readonly ctx: FetchContext,
  ) {
    this.hintKey = `${vendor.name} ${vendor.origin} ${new URLSearchParams([...params]).toString()}`;
    this.deadline = AbortSignal.timeout(vendor.timeoutMs);
    this.deadlineAt = ctx.clock.now() + vendor.timeoutMs;
    this.signal = AbortSignal.any([ctx.signal, this.deadline]);
  }

  async fetch(token: Token, size: number, skip: number): Promise<Fetched> {
    const v = this.vendor;
    const req = v.buildRequest(this.params, token, size);
    const started = performance.now();
    this.stats.calls++;
    try {
      const res = await this.ctx.upstream.get(v, req, {
        signal: this.signal,
        deadline: this.deadlineAt,
        onRetry: () => void this.stats.retries++,
        onWait: (ms) => void (this.stats.waitedMs += ms),
        timedOut: () => this.deadline.aborted,
        timeoutMs: v.timeoutMs,
        requestId: this.ctx.requestId,
      });
      const page = v.readPage(res);
      if (!('items' in page)) throw new UpstreamError(page);
      this.stats.fetched += page.items.length;
      if (this.stats.vendorTotal === null) this.stats.vendorTotal = page.facts.total;
      const entries = page.items.map((raw) => {
        const r = v.mapItem(raw, this.ctx.map);
        if ('drop' in r) {
          this.stats.dropped++;
          return null;
        }
        return r;
      });
      return { page: { token, size, skip, entries }, facts: page.facts };
    } finally {
      this.stats.latencyMs += performance.now() - started;
    }
  }
}

/**
 * Pages of a vendor that orders for us, fetched only when the merge needs them. The first page is as large
 * as the merge can need (`pageSize`); when more are needed — local filters dropped items, or a tie group ran
 * past the page — each next page doubles, up to the vendor's maximum, so a sparse match costs few calls.
 * Page-number paging pins one size for the whole walk.
 */
export function lazySource(f: VendorFetcher, pageSize: number, start?: VendorPosition, sparse = false): PageSource {
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
    sizeOf = (i) => (i === planned - 1 ? rest : grow(i));
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
        endPos = next === undefined ? null : { token: next, skip: 0, ...(paging.fixedSize ? { size: first } : {}) };
      }
      return r?.page ?? null;
    },
    position: (page, index) => paging.position(page.token, page.size, index),
    end: () => endPos,
  };
}

/**
 * The first lazy call's size: what the merge can need, within the vendor's largest page; page numbers pin
 * one size for the whole walk, so when local filters thin the matches that size is the largest.
 */
export function firstPageSize(paging: Paging, want: number, sparse: boolean): number {
  return paging.fixedSize && sparse ? paging.maxPageSize : Math.min(want, paging.maxPageSize);
}

/** Pages of one vendor asked for at once when their tokens are known in advance. */
const PREFETCH_WINDOW = 8;

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
          hints?.set(key, total);
          if (total > v.maxItems) throw tooMany();
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

  let token: Token | undefined = paging.first();
  let facts = (await f.fetch(token, size, 0).then((r) => (add(r.page), r))).facts;
  if (facts.total !== null && facts.total > v.maxItems) throw tooMany();
  while ((token = paging.next(token, size, facts)) !== undefined) {
    const next = await f.fetch(token, size, 0);
    add(next.page);
    facts = next.facts;
  }
  return items;
}

/** Calls in flight at once to one vendor while reading it whole. */
const WHOLE_READ_CONCURRENCY = 8;
