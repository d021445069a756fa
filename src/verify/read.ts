/**
 * The I/O of `switchboard verify`: walks of a vendor's pages and reads by id, through the gateway's own
 * path (the compiled vendor's requests, headers and mapping, the upstream stack's timeouts, retries and
 * budget, the page walk's loop guard). Every walk is bounded by the vendor's maxItems.
 */
import { failure } from '../dialect/errors.js';
import { PageWalk } from '../dialect/page-walk.js';
import { pageSizeFor, type Token } from '../dialect/paging.js';
import type { CompiledVendor } from '../dialect/vendor.js';
import type { Item } from '../model/conversation.js';
import { VendorFetcher, type FetchContext, type Fetched } from '../sources/fetcher.js';
import type { Clock } from '../state/clock.js';
import { UpstreamError, type Upstream } from '../upstream/client.js';
import type { ReadResult } from './check.js';

export interface Walk extends ReadResult {
  /** Where each page starts in `items`. */
  pageStarts: number[];
  /** The token each page was asked with. */
  tokens: Token[];
  /** The page size sent. */
  size: number;
  /** Items the mapper dropped. */
  dropped: number;
}

/** Most waits for the vendor's budget (a 429, or our own outbound budget) one call takes before failing. */
const RATE_WAITS = 3;
/** Longest such wait, in seconds: longer, and the call fails as the gateway's would. */
const MAX_RATE_WAIT_S = 60;

export class VendorReader {
  /** Vendor calls made so far (refused ones aside). */
  calls = 0;
  private readonly ctx: FetchContext;

  constructor(
    readonly vendor: CompiledVendor,
    upstream: Upstream,
    private readonly clock: Clock,
    private readonly requestId: string,
  ) {
    this.ctx = { upstream, signal: new AbortController().signal, requestId, map: { messages: false, raw: false }, clock };
  }

  /**
   * Every page from `start` (default: the first) until the vendor's last, or until more than maxItems
   * arrived. Throws the vendor's failure (an UpstreamError), a looping walk's included.
   */
  async walk(params: readonly [string, string][], size: number, start?: Token): Promise<Walk> {
    const v = this.vendor;
    const paging = v.paging;
    const sent = pageSizeFor(paging, size);
    const guard = new PageWalk(v.name, paging.style);
    const maxPages = paging.style === 'none' ? 1 : Math.ceil(v.maxItems / sent) + 2;
    const out: Walk = { items: [], truncated: null, total: null, pageStarts: [], tokens: [], size: sent, dropped: 0 };
    const items: Item[] = [];
    let token: Token | undefined = start === undefined ? paging.first() : start;
    while (token !== undefined) {
      if (out.pageStarts.length >= maxPages) {
        out.truncated = `stopped after ${maxPages} pages`;
        break;
      }
      guard.ask(token);
      const got = await this.page(params, token, sent);
      guard.arrived(got.page.entries.map((e) => e?.id ?? null));
      if (out.pageStarts.length === 0) out.total = got.facts.total;
      out.pageStarts.push(items.length);
      out.tokens.push(token);
      for (const e of got.page.entries) {
        if (e) items.push(e);
        else out.dropped++;
      }
      if (items.length > v.maxItems) {
        out.truncated = `more than maxItems (${v.maxItems})`;
        break;
      }
      token = paging.next(token, sent, got.facts);
    }
    out.items = items;
    return out;
  }

  /** One conversation by its vendor id through the vendor's `detail` request; 'notFound' on a 404. */
  async detail(externalId: string): Promise<Item | 'notFound'> {
    const v = this.vendor;
    const d = v.detail;
    if (!d) throw new Error(`${v.name} has no detail request`);
    const deadline = AbortSignal.timeout(v.timeoutMs);
    this.calls++;
    const res = await this.ctx.upstream.get(v, d.buildRequest(externalId), {
      signal: deadline,
      deadline: this.clock.now() + v.timeoutMs,
      timedOut: () => deadline.aborted,
      timeoutMs: v.timeoutMs,
      requestId: this.requestId,
    });
    const got = d.readItem(res);
    if (got === 'notFound') return 'notFound';
    if (!('item' in got)) throw new UpstreamError(got);
    const mapped = d.mapItem(got.item, this.ctx.map);
    if ('drop' in mapped) throw new UpstreamError(failure('UPSTREAM_INVALID_RESPONSE', `its answer can't be mapped: ${mapped.drop}`, { upstreamStatus: res.status }));
    return mapped;
  }

  /**
   * One page, each with its own deadline (the vendor's timeoutMs, as one gateway request has), waiting out
   * a short rate limit instead of failing: a verify run is one caller that can wait.
   */
  private async page(params: readonly [string, string][], token: Token, size: number): Promise<Fetched> {
    for (let waits = 0; ; waits++) {
      const f = new VendorFetcher(this.vendor, params, this.ctx);
      try {
        return await f.fetch(token, size, 0);
      } catch (e) {
        const wait = e instanceof UpstreamError && e.failure.code === 'RATE_LIMITED' ? (e.failure.retryAfter ?? 1) : null;
        if (wait === null || wait > MAX_RATE_WAIT_S || waits >= RATE_WAITS) throw e;
        await this.clock.sleep(wait * 1000 + 100);
      } finally {
        this.calls += f.stats.calls;
      }
    }
  }
}
