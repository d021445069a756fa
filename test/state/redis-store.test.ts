/** The Redis StateStore against a real Redis: same answers as the memory store, and a fallback that never fails a call. */
import { afterAll, describe, expect, it } from 'vitest';
import { redisStore } from '../../src/state/redis-store.js';
import { memoryStore, type BucketSpec } from '../../src/state/store.js';
import { memoryLogger } from '../helpers/harness.js';
import { countKeys, dedicatedRedis, dropKeys, reportSkip, testPrefix, testRedisUrl } from '../helpers/redis.js';

const url = await testRedisUrl();
if (!url) reportSkip('test/state/redis-store.test.ts');
const prefix = testPrefix('store');

describe.skipIf(!url)('redis state store', () => {
  afterAll(async () => {
    if (url) await dropKeys(url, prefix);
  });

  it('takes tokens exactly like the memory store, reservations included', async () => {
    const store = redisStore({ url: url!, prefix, timeoutMs: 200, logger: memoryLogger() });
    await store.connect();
    const mem = memoryStore();
    try {
      expect(store.mode()).toBe('redis');
      const specs: BucketSpec[] = [
        { ratePerSec: 1, burst: 3, maxWaitMs: 0 },
        { ratePerSec: 2, burst: 2, maxWaitMs: 1500 },
        { ratePerSec: 0.3333333, burst: 5, maxWaitMs: 250 },
      ];
      let now = 1_700_000_000_000;
      for (const [i, spec] of specs.entries()) {
        for (let step = 0; step < 40; step++) {
          now += (step * 37) % 400;
          const [a, b] = [await store.take(`b${i}`, spec, now), await mem.take(`b${i}`, spec, now)];
          expect(a, `bucket ${i} step ${step}`).toEqual(b);
        }
      }
    } finally {
      await store.close();
    }
  });

  it('keeps the later 429 time, keeps breaker records and expires keys', async () => {
    const store = redisStore({ url: url!, prefix, timeoutMs: 200, logger: memoryLogger() });
    await store.connect();
    try {
      const until = Date.now() + 5000;
      expect(await store.blockedUntil('blocked:x')).toBeNull();
      await store.blockUntil('blocked:x', until);
      await store.blockUntil('blocked:x', until - 1000);
      expect(await store.blockedUntil('blocked:x')).toBe(until);
      await store.recordBreaker('breaker:x', 'failure', 1, 1_700_000_000_123);
      expect(await store.breaker('breaker:x')).toEqual({ state: 'open', failures: 1, openedAt: 1_700_000_000_123, probing: false });
      expect(await store.breaker('breaker:none')).toEqual({ state: 'closed', failures: 0, openedAt: 0, probing: false });
      expect(await countKeys(url!, prefix)).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  });

  it('moves breakers exactly like the memory store, and gives the half-open probe to one caller of many', async () => {
    const store = redisStore({ url: url!, prefix, timeoutMs: 500, logger: memoryLogger() });
    await store.connect();
    const mem = memoryStore();
    try {
      // A fixed walk through every transition: failures to the threshold, waits, claims, probes that fail,
      // succeed or end neutral, and stray reports from calls that started earlier.
      const steps = ['f', 'f', 'c', 'f', 'c', 'c', 'n', 'c', 'c', 'f', 'c', 'c', 'n', 's', 's', 'f', 'n', 'f', 'f', 'c', 'c', 's', 'c', 'f'];
      let now = 1_700_000_000_000;
      for (const [i, step] of steps.entries()) {
        now += (i * 379) % 1_300;
        const key = `breaker:walk`;
        if (step === 'c') {
          expect(await store.claimProbe(key, 1_000, now), `step ${i}`).toEqual(await mem.claimProbe(key, 1_000, now));
        } else {
          const outcome = step === 'f' ? 'failure' : step === 's' ? 'success' : 'neutral';
          expect(await store.recordBreaker(key, outcome, 3, now), `step ${i}`).toEqual(await mem.recordBreaker(key, outcome, 3, now));
        }
        expect(await store.breaker(key)).toEqual(await mem.breaker(key));
      }

      // Twenty callers over four connections (replicas) at once after the cool-down: one probes.
      await store.recordBreaker('breaker:race', 'failure', 1, now);
      const others = await Promise.all(Array.from({ length: 3 }, async () => {
        const s = redisStore({ url: url!, prefix, timeoutMs: 500, logger: memoryLogger() });
        await s.connect();
        return s;
      }));
      try {
        const all = [store, ...others];
        const claims = await Promise.all(Array.from({ length: 20 }, (_, i) => all[i % all.length]!.claimProbe('breaker:race', 1_000, now + 1_001)));
        expect(claims.filter((c) => c.verdict === 'probe')).toHaveLength(1);
        expect(claims.filter((c) => c.verdict === 'wait')).toHaveLength(19);
        // And concurrent failures are all counted.
        await Promise.all(Array.from({ length: 12 }, (_, i) => all[i % all.length]!.recordBreaker('breaker:count', 'failure', 100, now)));
        expect((await store.breaker('breaker:count')).failures).toBe(12);
      } finally {
        await Promise.all(others.map((o) => o.close()));
      }
    } finally {
      await store.close();
    }
  });

  it('falls back to memory when Redis stops (logged once), never failing a call, and returns to Redis when it is back', async () => {
    const redis = await dedicatedRedis();
    const logger = memoryLogger();
    const store = redisStore({ url: redis.url, prefix, timeoutMs: 100, logger, probeMs: 100 });
    try {
      await store.connect();
      expect(store.mode()).toBe('redis');
      const spec = { ratePerSec: 1, burst: 100, maxWaitMs: 0 };
      expect((await store.take('k', spec, Date.now())).granted).toBe(true);
      await redis.stop();
      const started = Date.now();
      for (let i = 0; i < 20; i++) {
        expect((await store.take('k', spec, Date.now())).granted).toBe(true);
        await store.blockUntil('blocked:v', Date.now() + 1000);
        expect(await store.blockedUntil('blocked:v')).not.toBeNull();
      }
      // Each call is answered locally at once, not after a Redis timeout.
      expect(Date.now() - started).toBeLessThan(500);
      expect(store.mode()).toBe('fallback:memory');
      expect(logger.lines.filter((l) => /unreachable/.test(l.msg ?? ''))).toHaveLength(1);
      await redis.start();
      for (let i = 0; i < 100 && store.mode() !== 'redis'; i++) await new Promise((r) => setTimeout(r, 50));
      expect(store.mode()).toBe('redis');
      expect(logger.lines.some((l) => /is back/.test(l.msg ?? ''))).toBe(true);
      expect((await store.take('k', spec, Date.now())).granted).toBe(true);
    } finally {
      await store.close();
      await redis.stop();
    }
  });

  it('starts in fallback when Redis is not there at all', async () => {
    const logger = memoryLogger();
    const store = redisStore({ url: 'redis://127.0.0.1:1', prefix, timeoutMs: 50, logger });
    try {
      await store.connect(300);
      expect(store.mode()).toBe('fallback:memory');
      expect((await store.take('k', { ratePerSec: 1, burst: 1, maxWaitMs: 0 }, Date.now())).granted).toBe(true);
      expect(logger.lines.filter((l) => l.level === 'error')).toHaveLength(1);
    } finally {
      await store.close();
    }
  });
});
