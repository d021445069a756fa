/**
 * Fetches one vendor's pages through the upstream client: lazily page by page (vendors that order for
 * us) or whole (vendors that can't), mapping each page's items once.
 */
import type { PageFacts, Token } from '../dialect/paging.js';
import { failure } from '../dialect/errors.js';
import type { CompiledVendor } from '../dialect/vendor.js';
import type { MapOptions } from '../dialect/fields.js';
import type { Item } from '../model/conversation.js';
import type { VendorPosition } from '../model/query.js';
import type { PageSource, SourcePage } from '../merge/stream.js';
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

  constructor(
    readonly vendor: CompiledVendor,
    private readonly params: readonly [string, string][],
    private readonly ctx: FetchContext,
  ) {
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
  const first = paging.fixedSize
    ? (start?.size ?? (sparse ? paging.maxPageSize : Math.min(pageSize, paging.maxPageSize)))
    : Math.min(pageSize, paging.maxPageSize);
  const sizeOf = (i: number) => (paging.fixedSize ? first : Math.min(paging.maxPageSize, first * 2 ** i));
  const pages: Promise<Fetched | null>[] = [];
  let endPos: VendorPosition | null = null;

  const load = (i: number): Promise<Fetched | null> => {
    const cached = pages[i];
    if (cached) return cached;
    const p = (async () => {
      if (i === 0) return f.fetch(start?.token ?? paging.first(), first, start?.skip ?? 0);
      const prev = await load(i - 1);
      if (!prev) return null;
      const next = paging.next(prev.page.token, prev.page.size, prev.facts);
      if (next === undefined) return null;
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
 * Every item of a vendor that can't order for us, up to its cap. Offset paging with a known total fetches
 * the remaining pages a few at a time instead of one after another.
 */
export async function readWhole(f: VendorFetcher): Promise<Item[]> {
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

  let token: Token | undefined = paging.first();
  const first = await f.fetch(token, size, 0);
  add(first.page);
  if (first.facts.total !== null && first.facts.total > v.maxItems) throw tooMany();
  if (paging.style === 'offset' && first.facts.total !== null && first.facts.count === size) {
    const offsets: number[] = [];
    for (let o = size; o < first.facts.total; o += size) offsets.push(o);
    for (let i = 0; i < offsets.length; i += WHOLE_READ_CONCURRENCY) {
      const batch = await Promise.all(offsets.slice(i, i + WHOLE_READ_CONCURRENCY).map((o) => f.fetch(o, size, 0)));
      for (const b of batch) add(b.page);
    }
    return items;
  }
  let facts = first.facts;
  while ((token = paging.next(token, size, facts)) !== undefined) {
    const next = await f.fetch(token, size, 0);
    add(next.page);
    facts = next.facts;
  }
  return items;
}

/** Calls in flight at once to one vendor while reading it whole. */
const WHOLE_READ_CONCURRENCY = 4;
