/**
 * The upstream layers over a real simulator on loopback, with a manual clock: sleeps return at once and
 * move time forward, so backoff, cool-downs and budgets are tested by counting calls, not by waiting.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { siteassistSimulator } from '../../sim/siteassist.js';
import { startSimulator, type Simulator } from '../../sim/kit.js';
import { loadConfig } from '../../src/config/load.js';
import { compileVendor, type CompiledVendor } from '../../src/dialect/vendor.js';
import type { VendorConfig } from '../../src/config/vendor-schema.js';
import type { GatewayConfig } from '../../src/config/gateway-schema.js';
import { credentialsOf } from '../../sim/kit.js';
import { memoryStore } from '../../src/state/store.js';
import { createUpstream, UpstreamError, type Upstream } from '../../src/upstream/index.js';
import { createTransport, RefusedCall } from '../../src/upstream/client.js';
import { systemClock } from '../../src/state/clock.js';
import { breakerKey } from '../../src/upstream/guard.js';
import { DEMO_CREDENTIALS } from '../helpers/demo-credentials.js';
import { ROOT } from '../helpers/harness.js';
import { ManualClock } from '../helpers/clock.js';

let sim: Simulator;
let base: VendorConfig;
let gateway: GatewayConfig;
let transport: Upstream;
beforeAll(async () => {
  sim = await startSimulator(siteassistSimulator.behaviour({ bearer: 'demo-siteassist-token', query: {} }), { data: siteassistSimulator.demoData(1, 30) });
  const cfg = await loadConfig(join(ROOT, 'config'), { SITEASSIST_BASE_URL: sim.url, UNCODIE_BASE_URL: sim.url, SUPERAGENTES_BASE_URL: sim.url, ...DEMO_CREDENTIALS });
  base = cfg.vendors.find((v) => v.name === 'siteassist')!;
  gateway = cfg.gateway;
  expect(credentialsOf(base).bearer).toBe('demo-siteassist-token');
  transport = createTransport();
});
afterAll(async () => {
  await transport.close();
  await sim.close();
});
beforeEach(() => {
  sim.fault = null;
  sim.calls.length = 0;
});

function setup(over: Partial<VendorConfig> = {}) {
  const clock = new ManualClock();
  const store = memoryStore();
  const vendor: CompiledVendor = compileVendor({ ...base, ...over }, gateway);
  // Layers over the shared transport; closing this stack must not close the shared pools.
  const upstream = createUpstream({ store, clock, transport: { get: transport.get, close: async () => {} } });
  const retries: number[] = [];
  const call = () =>
    upstream.get(vendor, vendor.buildRequest([], 0, 5), {
      signal: new AbortController().signal,
      deadline: clock.now() + 5_000,
      timedOut: () => false,
      timeoutMs: 5_000,
      onRetry: () => void retries.push(clock.now()),
    });
  const outcome = async () => {
    try {
      const r = await call();
      return { status: r.status, code: r.status >= 400 ? vendor.mapError(r).code : null };
    } catch (e) {
      if (!(e instanceof UpstreamError)) throw e;
      return { status: null, code: e.failure.code, retryAfter: e.failure.retryAfter, message: e.failure.message };
    }
  };
  return { clock, store, vendor, call, outcome, retries };
}

const retry = (attempts: number, extra: object = {}) => ({ attempts, baseDelayMs: 100, maxDelayMs: 2000, budgetRatio: 0.1, minRetries: 3, ...extra });

describe('retry', () => {
  it('retries a 502 with backoff and succeeds once the vendor heals', async () => {
    const { clock, outcome, retries } = setup({ retry: retry(3) });
    sim.fault = { kind: 'html', status: 502 };
    clock.onSleep = () => (sim.fault = null);
    expect(await outcome()).toMatchObject({ status: 200 });
    expect(sim.calls).toHaveLength(2);
    expect(retries).toHaveLength(1);
    expect(clock.slept[0]).toBeLessThanOrEqual(100);
  });

  it('stops after the configured attempts', async () => {
    const { outcome } = setup({ retry: retry(3) });
    sim.fault = { kind: 'internal' }; // 500 is not retried: the vendor answered, and said it failed
    expect(await outcome()).toMatchObject({ code: 'UPSTREAM_ERROR' });
    expect(sim.calls).toHaveLength(1);
    sim.calls.length = 0;
    sim.fault = { kind: 'html', status: 503 };
    expect(await outcome()).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(sim.calls).toHaveLength(3);
  });

  it('honours a 429 Retry-After that fits the deadline, and gives up on one that does not', async () => {
    const a = setup({ retry: retry(3) });
    sim.fault = { kind: 'rateLimit', retryAfter: 2 };
    a.clock.onSleep = () => (sim.fault = null);
    expect(await a.outcome()).toMatchObject({ status: 200 });
    expect(a.clock.slept[0]).toBeGreaterThanOrEqual(2_000);

    sim.calls.length = 0;
    const b = setup({ retry: retry(3) });
    sim.fault = { kind: 'rateLimit', retryAfter: 60 };
    expect(await b.outcome()).toMatchObject({ code: 'RATE_LIMITED' });
    expect(sim.calls).toHaveLength(1);
  });

  it('never lets retries add more than the budget to a failing vendor', async () => {
    const { outcome, retries } = setup({ retry: retry(3) });
    sim.fault = { kind: 'html', status: 502 };
    for (let i = 0; i < 100; i++) await outcome();
    // 100 requests: minRetries (3) plus 10% of them, not 200 more calls.
    expect(retries.length).toBeLessThanOrEqual(3 + 10);
    expect(sim.calls.length).toBeLessThanOrEqual(113);
  });

  it('retries a refused connection', async () => {
    const clock = new ManualClock();
    const vendor = compileVendor({ ...base, baseUrl: 'http://127.0.0.1:1', retry: retry(3) }, gateway);
    const upstream = createUpstream({ store: memoryStore(), clock, transport: { get: transport.get, close: async () => {} } });
    let retried = 0;
    await expect(
      upstream.get(vendor, vendor.buildRequest([], 0, 5), { signal: new AbortController().signal, deadline: clock.now() + 5000, timedOut: () => false, timeoutMs: 5000, onRetry: () => void retried++ }),
    ).rejects.toMatchObject({ failure: { code: 'UPSTREAM_UNAVAILABLE', message: expect.stringMatching(/connection refused/) } });
    expect(retried).toBe(2);
  });
});

describe('429 memory', () => {
  it("doesn't call a vendor again before its Retry-After, then does", async () => {
    const { clock, outcome } = setup({ retry: retry(1) });
    sim.fault = { kind: 'rateLimit', retryAfter: 30 };
    expect(await outcome()).toMatchObject({ code: 'RATE_LIMITED' });
    expect(sim.calls).toHaveLength(1);
    sim.fault = null;
    clock.t += 10_000;
    expect(await outcome()).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 20, status: null });
    expect(sim.calls).toHaveLength(1);
    clock.t += 20_001;
    expect(await outcome()).toMatchObject({ status: 200 });
    expect(sim.calls).toHaveLength(2);
  });
});

describe('outbound rate limit', () => {
  it('fails fast over budget without calling the vendor', async () => {
    const { outcome } = setup({ retry: retry(1), rateLimit: { perMinute: 20, burst: 2, maxWaitMs: 0 } });
    expect(await outcome()).toMatchObject({ status: 200 });
    expect(await outcome()).toMatchObject({ status: 200 });
    expect(await outcome()).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 3 });
    expect(sim.calls).toHaveLength(2);
  });

  it('waits briefly for a token when allowed, and never queues past the bound', async () => {
    const { clock, call, vendor } = setup({ retry: retry(1), rateLimit: { perMinute: 20, burst: 1, maxWaitMs: 4_000 } });
    await call();
    // Three at once: the first waits for the next token (3 s), the rest would wait longer than 4 s: refused.
    const results = await Promise.allSettled([call(), call(), call()]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    expect(clock.slept).toContain(3_000);
    expect(sim.calls).toHaveLength(2);
    expect(vendor.rateLimit?.perMinute).toBe(20);
  });
});

describe('aborts', () => {
  it('a wait for an outbound token that the deadline ends is UPSTREAM_TIMEOUT (not "aborted due to timeout"), refused here, and no breaker failure', async () => {
    const vendor = compileVendor({ ...base, retry: retry(1), rateLimit: { perMinute: 60, burst: 1, maxWaitMs: 5_000 }, breaker: { failureThreshold: 1, cooldownMs: 60_000 } }, gateway);
    const store = memoryStore();
    // The real clock: the token wait is a real sleep, which only the signal can end.
    const upstream = createUpstream({ store, clock: systemClock, transport: { get: transport.get, close: async () => {} } });
    const opts = (signal: AbortSignal, timedOut: () => boolean) => ({ signal, deadline: Date.now() + 5_000, timedOut, timeoutMs: 5_000 });
    await upstream.get(vendor, vendor.buildRequest([], 0, 5), opts(new AbortController().signal, () => false));
    const deadline = new AbortController();
    setTimeout(() => deadline.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), 20);
    const cut = await upstream.get(vendor, vendor.buildRequest([], 0, 5), opts(deadline.signal, () => true)).catch((e: unknown) => e);
    expect(cut).toBeInstanceOf(RefusedCall);
    expect((cut as RefusedCall).failure).toMatchObject({ code: 'UPSTREAM_TIMEOUT', message: expect.stringMatching(/no complete answer within 5000 ms \(waiting for an outbound token\)/) });
    const left = new AbortController();
    setTimeout(() => left.abort(), 20);
    const gone = await upstream.get(vendor, vendor.buildRequest([], 0, 5), opts(left.signal, () => false)).catch((e: unknown) => e);
    expect((gone as UpstreamError).failure).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', message: expect.stringMatching(/client went away/) });
    expect(sim.calls).toHaveLength(1);
    expect((await store.breaker(breakerKey(vendor.name, vendor.origin))).state).toBe('closed');
  });
});

describe('circuit breaker', () => {
  it('opens after repeated failures, answers at once while open, and one probe closes it', async () => {
    const { clock, outcome, store, vendor } = setup({ retry: retry(1), breaker: { failureThreshold: 3, cooldownMs: 10_000 } });
    const key = breakerKey(vendor.name, vendor.origin);
    sim.fault = { kind: 'internal' };
    for (let i = 0; i < 3; i++) expect(await outcome()).toMatchObject({ code: 'UPSTREAM_ERROR' });
    expect((await store.breaker(key)).state).toBe('open');
    expect(await outcome()).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', message: expect.stringMatching(/circuit open/) });
    expect(sim.calls).toHaveLength(3);

    clock.t += 10_001;
    sim.fault = null;
    expect(await outcome()).toMatchObject({ status: 200 });
    expect((await store.breaker(key)).state).toBe('closed');
    expect(sim.calls).toHaveLength(4);
  });

  it('a body over our size cap is our limit, not a vendor failure: it never opens the circuit', async () => {
    const small = { ...gateway, upstream: { ...gateway.upstream, maxResponseBytes: 200 } };
    const vendor = compileVendor({ ...base, retry: retry(1), breaker: { failureThreshold: 2, cooldownMs: 10_000 } }, small);
    const store = memoryStore();
    const clock = new ManualClock();
    const upstream = createUpstream({ store, clock, transport: { get: transport.get, close: async () => {} } });
    for (let i = 0; i < 4; i++) {
      await expect(
        upstream.get(vendor, vendor.buildRequest([], 0, 5), { signal: new AbortController().signal, deadline: clock.now() + 5_000, timedOut: () => false, timeoutMs: 5_000 }),
      ).rejects.toMatchObject({ failure: { code: 'UPSTREAM_TOO_LARGE' } });
    }
    expect(sim.calls).toHaveLength(4);
    expect((await store.breaker(breakerKey(vendor.name, vendor.origin))).state).toBe('closed');
  });

  it('re-opens when the probe fails', async () => {
    const { clock, outcome, store, vendor } = setup({ retry: retry(1), breaker: { failureThreshold: 1, cooldownMs: 1_000 } });
    sim.fault = { kind: 'html', status: 502 };
    await outcome();
    clock.t += 1_001;
    expect(await outcome()).toMatchObject({ code: 'UPSTREAM_ERROR' });
    expect(sim.calls).toHaveLength(2);
    expect(await store.breaker(breakerKey(vendor.name, vendor.origin))).toMatchObject({ state: 'open', probing: false, openedAt: clock.t });
  });
});
