/** The metrics object on its own: the upstream wrapper, and scrape-time reads that can't fail a scrape. */
import { describe, expect, it } from 'vitest';
import type { CompiledVendor, PageRequest } from '../../src/dialect/vendor.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { memoryStore } from '../../src/state/store.js';
import type { CallOptions, Upstream } from '../../src/upstream/client.js';
import { breakerKey } from '../../src/upstream/guard.js';
import { parseExposition } from './exposition.js';

const vendor = { name: 'acme' } as CompiledVendor;
const callOptions = (onWait?: (ms: number) => void): CallOptions => ({
  signal: new AbortController().signal,
  deadline: Date.now() + 1000,
  timedOut: () => false,
  timeoutMs: 1000,
  ...(onWait ? { onWait } : {}),
});
const waiting: Upstream = {
  async get(_v, _req, opts) {
    opts.onWait?.(250);
    opts.onWait?.(50);
    return { status: 200, headers: {}, body: '[]' };
  },
  close: async () => undefined,
};

describe('createMetrics', () => {
  it("counts outbound waits and still tells the caller's onWait", async () => {
    const metrics = createMetrics();
    metrics.bind({ vendors: [vendor], store: memoryStore(), upstream: waiting });
    const seen: number[] = [];
    await metrics.instrument(waiting).get(vendor, {} as PageRequest, callOptions((ms) => seen.push(ms)));
    await metrics.instrument(waiting).get(vendor, {} as PageRequest, callOptions());
    expect(seen).toEqual([250, 50]);
    const m = parseExposition(await metrics.scrape());
    expect(m.value('switchboard_vendor_ratelimit_wait_seconds_total', { vendor: 'acme' })).toBeCloseTo(0.6, 9);
  });

  it('leaves out a vendor whose breaker the store cannot read, and the cache when there is none', async () => {
    const store = memoryStore();
    store.putBreaker(breakerKey('b'), { state: 'half-open', failures: 3, openedAt: 1, probing: true });
    const flaky = {
      breaker: (key: string) => (key === breakerKey('a') ? Promise.reject(new Error('store down')) : store.breaker(key)),
    };
    const metrics = createMetrics();
    metrics.bind({ vendors: [{ name: 'a' }, { name: 'b' }, { name: 'c' }], store: flaky, upstream: waiting });
    const m = parseExposition(await metrics.scrape());
    expect(m.select('switchboard_vendor_breaker_state').map((s) => [s.labels.vendor, s.value])).toEqual([
      ['b', 1],
      ['c', 0],
    ]);
    expect(m.select('switchboard_vendor_cache_total')).toEqual([]);
  });

  it('starts each configured vendor at zero, and a rebind drops removed vendors from the gauge', async () => {
    const metrics = createMetrics();
    metrics.bind({ vendors: [{ name: 'a' }, { name: 'b' }], store: memoryStore(), upstream: waiting });
    let m = parseExposition(await metrics.scrape());
    expect(m.value('switchboard_vendor_calls_total', { vendor: 'a' })).toBe(0);
    expect(m.value('switchboard_vendor_requests_total', { vendor: 'b', outcome: 'ok' })).toBe(0);
    metrics.bind({ vendors: [{ name: 'a' }], store: memoryStore(), upstream: waiting });
    m = parseExposition(await metrics.scrape());
    expect(m.select('switchboard_vendor_breaker_state').map((s) => s.labels.vendor)).toEqual(['a']);
  });
});
