/**
 * One vendor's calls for one gateway request, sharing one deadline: each page asked through the upstream
 * stack, read with the vendor's dialect and mapped once. The live sources drive it.
 */
import { setMaxListeners } from 'node:events';
import { pageSizeFor, type PageFacts, type Token } from '../dialect/paging.js';
import type { CompiledVendor } from '../dialect/vendor.js';
import type { MapOptions } from '../dialect/fields.js';
import { PageWalk } from '../dialect/page-walk.js';
import type { Item } from '../model/conversation.js';
import type { Clock } from '../state/clock.js';
import { RefusedCall, UpstreamError, type Upstream } from '../upstream/client.js';
import { failSpan, startClientSpan, tracingOn, withSpan } from '../tracing/tracing.js';
import { emptyStats, type SourceStats } from './source.js';
import type { TotalHints } from './live-whole.js';

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

/** One vendor page as fetched and mapped: null entries are items that could not be mapped. */
export interface SourcePage {
  token: Token;
  size: number;
  /** Raw items at the head of this page that an earlier page of ours already consumed. */
  skip: number;
  entries: (Item | null)[];
}

export interface Fetched {
  page: SourcePage;
  facts: PageFacts;
}

/** What one traced call saw: the vendor's last status and the retries it took. */
interface CallTrace {
  status: number;
  retries: number;
}

/**
 * The signal of one vendor call (its retries and waits included): it aborts when the caller leaves or when
 * the vendor's deadline, counted from the fetcher's start, passes. Made per call and ended when the call
 * returns. One AbortSignal.timeout and one AbortSignal.any per vendor and request did the same, but both
 * lived on for the whole timeout after the answer was sent (weakly held, with a timer that then fired and
 * made a DOMException): a few percent of each request's CPU in the profile.
 */
class CallSignal {
  private readonly controller = new AbortController();
  private readonly timer: ReturnType<typeof setTimeout> | undefined;
  /** The deadline passed while this call was running (vs. the caller leaving). */
  timedOut = false;

  constructor(
    private readonly caller: AbortSignal,
    remainingMs: number,
  ) {
    if (caller.aborted) this.controller.abort(caller.reason);
    else caller.addEventListener('abort', this.onCallerGone, { once: true });
    if (remainingMs <= 0) this.onDeadline();
    else this.timer = setTimeout(this.onDeadline, remainingMs);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  end(): void {
    clearTimeout(this.timer);
    this.caller.removeEventListener('abort', this.onCallerGone);
  }

  private readonly onCallerGone = (): void => this.controller.abort(this.caller.reason);

  private readonly onDeadline = (): void => {
    this.timedOut = true;
    // The reason AbortSignal.timeout gives.
    this.controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
  };
}

export class VendorFetcher {
  readonly stats: SourceStats = emptyStats();
  private readonly deadlineAt: number;
  /** When the deadline's time began (performance.now(): real time, as a timer counts it). */
  private readonly startedAt = performance.now();
  /** This source's one walk over the vendor's pages (a vendor that loops fails it at once). */
  private readonly walk: PageWalk;

  /** Identifies this vendor and query (paging aside), for total hints. */
  readonly hintKey: string;

  constructor(
    readonly vendor: CompiledVendor,
    private readonly params: readonly [string, string][],
    private readonly ctx: FetchContext,
  ) {
    this.hintKey = `${vendor.name} ${vendor.origin} ${new URLSearchParams([...params]).toString()}`;
    this.deadlineAt = ctx.clock.now() + vendor.timeoutMs;
    this.walk = new PageWalk(vendor.name, vendor.paging.style);
    // Each call listens to the caller's signal while it runs, and stops when it ends (CallSignal.end). A
    // whole read sends every page at once and a deep lazy one 8, for each vendor of the request: over
    // Node's 10 with no leak, and its MaxListenersExceededWarning went to stderr, outside the log, under load.
    setMaxListeners(0, ctx.signal);
  }

  /** One vendor call; with tracing on, in a CLIENT span of its own (vendor, path, status, retries, items). */
  fetch(token: Token, want: number, skip: number): Promise<Fetched> {
    // What is asked is what the page records: a vendor's minimum can make it more than wanted (the merge
    // takes what it needs), and page arithmetic must see the size actually sent.
    const size = pageSizeFor(this.vendor.paging, want);
    if (!tracingOn()) return this.fetchPage(token, size, skip);
    return this.fetchTraced(token, size, skip);
  }

  private async fetchTraced(token: Token, size: number, skip: number): Promise<Fetched> {
    const v = this.vendor;
    // The path only, redacted: a query (and a path, in some configs) may carry the vendor's key.
    const path = v.redact(v.buildRequest(this.params, token, size).path);
    const span = startClientSpan(`${v.name} GET`, { 'switchboard.vendor': v.name, 'http.request.method': 'GET', 'url.path': path });
    const seen: CallTrace = { status: 0, retries: 0 };
    try {
      const got = await withSpan(span, () => this.fetchPage(token, size, skip, seen));
      span.setAttribute('switchboard.items', got.page.entries.length);
      return got;
    } catch (e) {
      if (e instanceof UpstreamError) {
        failSpan(span, e.failure.code);
        if (e.failure.upstreamStatus !== null) seen.status = e.failure.upstreamStatus;
      } else failSpan(span, 'INTERNAL_ERROR');
      throw e;
    } finally {
      if (seen.status) span.setAttribute('http.response.status_code', seen.status);
      span.setAttribute('switchboard.retries', seen.retries);
      span.end();
    }
  }

  private async fetchPage(token: Token, size: number, skip: number, seen?: CallTrace): Promise<Fetched> {
    const v = this.vendor;
    this.walk.ask(token);
    const req = v.buildRequest(this.params, token, size);
    const started = performance.now();
    this.stats.calls++;
    try {
      return await this.call(v, req, token, size, skip, seen);
    } catch (e) {
      // Refused here (budget, 429 memory, open circuit): the vendor was never asked.
      if (e instanceof RefusedCall) this.stats.calls--;
      throw e;
    } finally {
      this.stats.latencyMs += performance.now() - started;
    }
  }

  private async call(v: CompiledVendor, req: ReturnType<CompiledVendor['buildRequest']>, token: Token, size: number, skip: number, seen?: CallTrace): Promise<Fetched> {
    const scope = new CallSignal(this.ctx.signal, v.timeoutMs - (performance.now() - this.startedAt));
    let res;
    try {
      res = await this.ctx.upstream.get(v, req, {
        signal: scope.signal,
        deadline: this.deadlineAt,
        onRetry: () => {
          this.stats.retries++;
          if (seen) seen.retries++;
        },
        onWait: (ms) => void (this.stats.waitedMs += ms),
        timedOut: () => scope.timedOut,
        timeoutMs: v.timeoutMs,
        requestId: this.ctx.requestId,
      });
    } finally {
      scope.end();
    }
    if (seen) seen.status = res.status;
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
    this.walk.arrived(entries.map((e) => e?.id ?? null));
    return { page: { token, size, skip, entries }, facts: page.facts };
  }
}
