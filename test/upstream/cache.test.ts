/**
 * The vendor response cache through the whole gateway: single-flight, TTL, stale-while-revalidate, no
 * caching of errors, credentials in the key — all proved by counting the simulators' calls, with a
 * manual clock instead of waiting.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Simulator } from '../../sim/kit.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { ManualClock } from '../inbound/clients.js';

const callsBy = (sim: Simulator) => {
  const m = new Map<string, number>();
  for (const c of sim.calls) m.set(`${c.path}?${c.query}`, (m.get(`${c.path}?${c.query}`) ?? 0) + 1);
  return m;
};

describe('single-flight', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { VENDOR_CACHE_TTL_MS: '5000' } });
  });
  afterAll(async () => h?.close());

  it('50 identical concurrent requests make one call per distinct vendor request', async () => {
    for (const s of h.sims.values()) s.latencyMs = 60; // so the 50 overlap
    const results = await Promise.all(Array.from({ length: 50 }, () => h.get('/conversations?limit=7&status=open')));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(new Set(results.map((r) => JSON.stringify(r.body.data))).size).toBe(1);
    for (const [name, sim] of h.sims) {
      if (name === 'uncodie') continue; // Uncodie can't evaluate status: skipped, never called
      const counts = callsBy(sim);
      expect(counts.size, name).toBeGreaterThan(0);
      for (const [req, n] of counts) expect(n, `${name} ${req}`).toBe(1);
    }
    expect(h.sims.get('uncodie')!.calls).toHaveLength(0);
  });
});

describe('TTL and stale-while-revalidate', () => {
  let h: Harness;
  const clock = new ManualClock();
  beforeAll(async () => {
    h = await startHarness({ clock, env: { VENDOR_CACHE_TTL_MS: '10000', VENDOR_CACHE_SWR_MS: '5000' } });
  });
  afterAll(async () => h?.close());
  beforeEach(() => {
    for (const s of h.sims.values()) s.calls.length = 0;
  });
  const total = () => [...h.sims.values()].reduce((n, s) => n + s.calls.length, 0);
  const settle = () => new Promise((r) => setTimeout(r, 100));

  it('serves from cache while fresh, stale within the window (refreshing once), and calls again after', async () => {
    await h.get('/conversations?limit=3&vendor=superagentes');
    expect(total()).toBe(1);
    clock.t += 9_000;
    await h.get('/conversations?limit=3&vendor=superagentes');
    expect(total()).toBe(1); // fresh: no call

    clock.t += 2_000; // 11 s: stale, inside the 5 s window
    const stale = await h.get('/conversations?limit=3&vendor=superagentes');
    expect(stale.status).toBe(200);
    await settle();
    expect(total()).toBe(2); // one background refresh
    await h.get('/conversations?limit=3&vendor=superagentes');
    expect(total()).toBe(2); // the refreshed page is fresh again

    clock.t += 16_000; // past ttl + window: a plain miss
    await h.get('/conversations?limit=3&vendor=superagentes');
    expect(total()).toBe(3);
  });

  it('never caches an error', async () => {
    const sim = h.sims.get('siteassist')!;
    sim.fault = { kind: 'internal' };
    await h.get('/conversations?limit=2&vendor=siteassist,superagentes&orderBy=createdAt');
    sim.fault = null;
    h.resetState();
    const before = sim.calls.length;
    const ok = await h.get('/conversations?limit=2&vendor=siteassist,superagentes&orderBy=createdAt');
    expect(ok.body.partial).toBe(false);
    expect(sim.calls.length).toBe(before + 1);
  });
});

describe('ETag', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  it('answers 304 to If-None-Match when the page has not changed, and 200 when it has', async () => {
    const first = await h.get('/conversations?limit=4');
    expect(first.headers.etag).toMatch(/^W\/"/);
    expect(first.headers['cache-control']).toBe('private, no-cache');
    const again = await h.get('/conversations?limit=4', { 'if-none-match': first.headers.etag! });
    expect(again.status).toBe(304);
    expect(again.headers.etag).toBe(first.headers.etag);
    expect(again.body).toBe('');
    const other = await h.get('/conversations?limit=5', { 'if-none-match': first.headers.etag! });
    expect(other.status).toBe(200);
    expect(other.headers.etag).not.toBe(first.headers.etag);
  });
});

describe('timeouts with the cache on', () => {
  let h: Harness;
  beforeAll(async () => {
    // A breaker that never opens here: every caller must reach the (hanging) call, not a refusal.
    h = await startHarness({ gatewayYaml: 'upstream:\n  timeoutMs: 150\n  cache: { ttlMs: 5000 }\n  breaker: { failureThreshold: 1000, cooldownMs: 1000 }\n' });
  });
  afterAll(async () => h?.close());

  it('a hanging vendor is UPSTREAM_TIMEOUT for the single-flight leader and every waiter, never UPSTREAM_ERROR "aborted due to timeout"', async () => {
    for (const s of h.sims.values()) s.fault = { kind: 'hang' };
    const query = '/conversations?limit=3&vendor=siteassist,superagentes';
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
    // Callers join the one call in flight at different moments, so their own deadlines fire before,
    // with, and after the shared call's.
    const results = await Promise.all(Array.from({ length: 24 }, async (_, i) => (await pause((i % 6) * 20), h.get(query))));
    for (const r of results) {
      expect(r.status).toBe(504);
      expect(r.body.code).toBe('UPSTREAM_TIMEOUT');
      expect(r.body.errors.map((e: { vendor: string; code: string }) => `${e.vendor} ${e.code}`).sort()).toEqual(['siteassist UPSTREAM_TIMEOUT', 'superagentes UPSTREAM_TIMEOUT']);
      for (const e of r.body.errors) expect(e.message).toMatch(/no complete answer within 150 ms/);
    }
    for (const s of h.sims.values()) s.fault = null;
  });
});
