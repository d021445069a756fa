/**
 * Inbound and outbound state live in separate bounded stores: a flood of distinct client addresses (auth
 * off: one bucket per address) can evict other addresses' buckets, never a vendor's outbound budget.
 * Through the real inbound path: every request comes from its own 127.x.y.z address (Linux routes all of
 * 127/8 to loopback), with the stores bounded at 1,000 keys so the flood stays small.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uncodieSimulator } from '../../sim/uncodie.js';
import { redisStore } from '../../src/state/redis-store.js';
import { ManualClock } from '../helpers/clock.js';
import { memoryLogger, startHarness, type Harness } from '../helpers/harness.js';
import { freePort } from '../helpers/redis.js';

/** One GET on a fresh connection from `localAddress`; its status and RateLimit header. */
function getFrom(url: string, localAddress: string): Promise<{ status: number; ratelimit: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { localAddress, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, ratelimit: res.headers.ratelimit as string | undefined }));
    });
    req.on('error', reject);
    req.end();
  });
}

const address = (i: number) => `127.${1 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;

describe('separate inbound and outbound stores', () => {
  const clock = new ManualClock(); // no refill: a spent budget stays spent
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      clock,
      stateKeys: 1000,
      data: { uncodie: uncodieSimulator.demoData(3, 5) }, // one call per request
      env: { UNCODIE_RATE_PER_MINUTE: '1', UNCODIE_RATE_BURST: '1' },
    });
  });
  afterAll(async () => h?.close());

  it('the outbound vendor budget cannot be reset by flooding the per-address buckets from 1,050 distinct addresses (auth off)', async () => {
    const q = '/conversations?vendor=uncodie&limit=1';
    expect((await h.get(q)).status).toBe(200);
    const spent = await h.get(q);
    expect(spent.status).toBe(429);
    expect(spent.body.errors[0].message).toMatch(/outbound budget for uncodie \(1\/min\) is spent/);
    const calls = h.sims.get('uncodie')!.calls.length;

    let next = 0;
    const seen: { status: number; ratelimit: string | undefined }[] = [];
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < 1050) seen.push(await getFrom(`${h.url}/conversations/flood/x`, address(next++)));
      }),
    );
    // Each one went through the per-address limiter (its RateLimit header) and was then not found.
    expect(seen).toHaveLength(1050);
    expect(seen.every((r) => r.status === 404 && r.ratelimit?.startsWith('"default";r='))).toBe(true);

    const after = await h.get(q);
    expect(after.status).toBe(429);
    expect(after.body.errors[0].message).toMatch(/outbound budget for uncodie \(1\/min\) is spent/);
    expect(h.sims.get('uncodie')!.calls.length).toBe(calls);
  });

  it("the Redis store's in-memory fallback keeps inbound and outbound apart too: 10,050 addresses don't evict a vendor's budget", async () => {
    // Redis that isn't there: the store runs on its fallback memory (bounded at its default 10,000 keys).
    const store = redisStore({ url: `redis://127.0.0.1:${await freePort()}`, prefix: 'sbtest:separate:', timeoutMs: 50, logger: memoryLogger() });
    try {
      await store.connect(200);
      expect(store.mode()).toBe('fallback:memory');
      const inbound = store.separate();
      const vendorBudget = { ratePerSec: 1 / 60, burst: 1, maxWaitMs: 0 };
      const now = 1_700_000_000_000;
      expect((await store.take('outbound:uncodie:account', vendorBudget, now)).granted).toBe(true);
      await store.blockUntil('blocked:uncodie:account', now + 60_000);
      const perAddress = { ratePerSec: 10, burst: 60, maxWaitMs: 0 };
      for (let i = 0; i < 10_050; i++) await inbound.take(`inbound:ip:${address(i)}`, perAddress, now);
      expect((await store.take('outbound:uncodie:account', vendorBudget, now)).granted).toBe(false);
      expect(await store.blockedUntil('blocked:uncodie:account')).toBe(now + 60_000);
    } finally {
      await store.close();
    }
  });
});
