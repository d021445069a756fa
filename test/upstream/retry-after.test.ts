/**
 * Hostile Retry-After values from real simulators on loopback, through the whole gateway with a manual
 * clock: each is capped at `upstream.maxRetryAfterMs` (here 60 s, through its environment variable), sent
 * on as a whole number, shown by /vendors, and forgotten by a reload.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Fault } from '../../sim/kit.js';
import type { MemoryStore } from '../../src/state/store.js';
import { blockKey, breakerKey } from '../../src/upstream/guard.js';
import { ManualClock } from '../helpers/clock.js';
import { startHarness, type Harness } from '../helpers/harness.js';

const HUGE = '99999999999999';
const DIGITS_400 = '9'.repeat(400);

describe('Retry-After without bound', () => {
  const clock = new ManualClock();
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ clock, env: { UPSTREAM_MAX_RETRY_AFTER_MS: '60000' } });
  });
  afterAll(async () => h?.close());
  beforeEach(() => {
    h.resetState();
    for (const s of h.sims.values()) s.fault = null;
  });

  const vendor = (name: string) => h.gateway.vendors.find((v) => v.name === name)!;
  const state = async (name: string) => {
    const res = await h.get('/vendors');
    expect(res.status).toBe(200);
    return res.body.data.find((v: { name: string }) => v.name === name).state;
  };

  it.each<[string, string, Fault]>([
    ['a Retry-After of 99999999999999 (header and body)', 'uncodie', { kind: 'rateLimit', retryAfter: HUGE }],
    ['a 400-digit Retry-After header', 'superagentes', { kind: 'rateLimit', retryAfter: DIGITS_400 }],
    ['a 400-digit number in the body (JSON.parse: Infinity)', 'siteassist', { kind: 'rateLimit', retryAfter: DIGITS_400 }],
    ['a 400-digit number in the body only', 'uncodie', { kind: 'rateLimit', retryAfter: DIGITS_400, header: false }],
    ['an HTTP date in the year 9999', 'superagentes', { kind: 'rateLimit', retryAfter: 'Fri, 31 Dec 9999 23:59:59 GMT' }],
  ])('%s from %s is capped at maxRetryAfterMs: a whole Retry-After, /vendors answers, and the vendor is called again after the cap', async (_, name, fault) => {
    const sim = h.sims.get(name)!;
    sim.fault = fault;
    const q = `/conversations?vendor=${name}&limit=3`;
    const limited = await h.get(q);
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('60');
    expect(limited.body.errors).toMatchObject([{ vendor: name, code: 'RATE_LIMITED', upstreamStatus: 429, retryAfter: 60 }]);
    expect((await state(name)).rateLimitedUntil).toBe(new Date(clock.t + 60_000).toISOString());

    sim.fault = null;
    const calls = sim.calls.length;
    clock.t += 59_000;
    const waiting = await h.get(q);
    expect(waiting.status).toBe(429);
    expect(waiting.headers['retry-after']).toBe('1');
    expect(waiting.body.errors[0].message).toMatch(/asked us to wait; not calling it for another 1 s/);
    expect(sim.calls.length).toBe(calls);

    clock.t += 1_001;
    expect((await h.get(q)).status).toBe(200);
    expect(sim.calls.length).toBeGreaterThan(calls);
  });

  it('a wait stored without a cap (an older version, 10^17 ms) is held to the cap from now, and /vendors never answers 500 on it', async () => {
    const v = vendor('siteassist');
    const store = h.gateway.store as MemoryStore;
    await store.blockUntil(blockKey(v), 1e17);
    // A breaker record with a time no Date can hold: shown, not a RangeError.
    store.putBreaker(breakerKey(v.name, v.origin), { state: 'open', failures: 5, openedAt: 1e20, probing: false });
    const shown = await state('siteassist');
    expect(shown.rateLimitedUntil).toBe(new Date(clock.t + 60_000).toISOString());
    expect(shown.breaker).toMatchObject({ state: 'open', openedAt: expect.any(String), probeAt: expect.any(String) });
    store.putBreaker(breakerKey(v.name, v.origin), { state: 'closed', failures: 0, openedAt: 0, probing: false });

    const sim = h.sims.get('siteassist')!;
    const calls = sim.calls.length;
    const refused = await h.get('/conversations?vendor=siteassist&limit=3');
    expect(refused.body.errors[0].message).toMatch(/another 60 s/);
    expect(await store.blockedUntil(blockKey(v))).toBe(clock.t + 60_000);
    clock.t += 60_001;
    expect((await h.get('/conversations?vendor=siteassist&limit=3')).status).toBe(200);
    expect(sim.calls.length).toBeGreaterThan(calls);
  });

  it('a config reload forgets every vendor\'s 429 memory', async () => {
    const sim = h.sims.get('uncodie')!;
    sim.fault = { kind: 'rateLimit', retryAfter: HUGE };
    expect((await h.get('/conversations?vendor=uncodie&limit=3')).status).toBe(429);
    sim.fault = null;
    expect((await h.get('/conversations?vendor=uncodie&limit=3')).status).toBe(429);
    expect((await h.gateway.reload()).ok).toBe(true);
    expect((await state('uncodie')).rateLimitedUntil).toBeNull();
    expect((await h.get('/conversations?vendor=uncodie&limit=3')).status).toBe(200);
    expect(h.logger.lines.some((l) => l.msg?.includes("forgot the vendor's 429 memory"))).toBe(true);
  });
});
