/**
 * The signal each vendor call runs under: it aborts when the vendor's deadline (counted from the fetcher's
 * start, across its calls) passes or when the caller leaves, says which of the two it was, and leaves no
 * timer or listener behind once the call returns. The upstream is a stand-in that only holds the call open,
 * so the test sees exactly the signal the fetcher hands down; time is driven by fake timers.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { failure } from '../../src/dialect/errors.js';
import type { CompiledVendor } from '../../src/dialect/vendor.js';
import { VendorFetcher } from '../../src/sources/fetcher.js';
import { systemClock } from '../../src/state/clock.js';
import { UpstreamError, type CallOptions, type Upstream } from '../../src/upstream/client.js';
import { shippedVendors } from '../helpers/compiled.js';

let vendor: CompiledVendor;
beforeAll(async () => {
  vendor = (await shippedVendors()).siteassist!;
});
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

/** An upstream that records each call's options and answers only when its signal aborts (or at once, failing). */
function standIn(mode: 'hold' | 'fail') {
  const calls: CallOptions[] = [];
  const upstream: Upstream = {
    get(_v, _req, opts) {
      calls.push(opts);
      if (mode === 'fail') return Promise.reject(new UpstreamError(failure('UPSTREAM_ERROR', 'the vendor answered 502', { upstreamStatus: 502 })));
      if (opts.signal.aborted) return Promise.reject(opts.signal.reason as Error);
      return new Promise((_, reject) => opts.signal.addEventListener('abort', () => reject(opts.signal.reason as Error), { once: true }));
    },
    close: async () => undefined,
  };
  return { upstream, calls };
}

const fetcherOver = (upstream: Upstream, caller: AbortSignal) =>
  new VendorFetcher(vendor, [], { upstream, signal: caller, requestId: 'test', map: { messages: false, raw: false }, clock: systemClock });

describe('a vendor call\'s signal', () => {
  it('the deadline counts from the fetcher\'s start: a call made later gets only what is left, and its abort says timedOut', async () => {
    const { upstream, calls } = standIn('hold');
    const fetcher = fetcherOver(upstream, new AbortController().signal);
    const T = vendor.timeoutMs;
    vi.advanceTimersByTime(Math.round(T * 0.6));
    const got = fetcher.fetch(null, 10, 0).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(1);
    const opts = calls[0]!;
    await vi.advanceTimersByTimeAsync(T - Math.round(T * 0.6) - 1);
    expect(opts.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(opts.signal.aborted).toBe(true);
    expect((opts.signal.reason as DOMException).name).toBe('TimeoutError');
    expect(opts.timedOut()).toBe(true);
    expect(await got).toBeInstanceOf(DOMException);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('the caller leaving aborts the call with the caller\'s reason, not as a timeout', async () => {
    const { upstream, calls } = standIn('hold');
    const caller = new AbortController();
    const got = fetcherOver(upstream, caller.signal).fetch(null, 10, 0).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(0);
    const gone = new Error('the client went away');
    caller.abort(gone);
    expect(calls[0]!.signal.aborted).toBe(true);
    expect(calls[0]!.signal.reason).toBe(gone);
    expect(calls[0]!.timedOut()).toBe(false);
    expect(await got).toBe(gone);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a call that has returned leaves nothing behind: no timer waits for its deadline, and the caller leaving later aborts nothing', async () => {
    const { upstream, calls } = standIn('fail');
    const caller = new AbortController();
    const fetcher = fetcherOver(upstream, caller.signal);
    await expect(fetcher.fetch(null, 10, 0)).rejects.toBeInstanceOf(UpstreamError);
    await expect(fetcher.fetch(null, 10, 0)).rejects.toBeInstanceOf(UpstreamError);
    expect(vi.getTimerCount()).toBe(0);
    caller.abort(new Error('gone'));
    for (const c of calls) {
      expect(c.signal.aborted).toBe(false);
      expect(c.timedOut()).toBe(false);
    }
  });

  it('a caller already gone: the call starts aborted, with the caller\'s reason', async () => {
    const { upstream, calls } = standIn('hold');
    const caller = new AbortController();
    const gone = new Error('gone before the call');
    caller.abort(gone);
    expect(await fetcherOver(upstream, caller.signal).fetch(null, 10, 0).catch((e: unknown) => e)).toBe(gone);
    expect(calls[0]!.signal.reason).toBe(gone);
    expect(vi.getTimerCount()).toBe(0);
  });
});
