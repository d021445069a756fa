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

  it('keeps the later 429 time, round-trips breaker records and expires keys', async () => {
    const store = redisStore({ url: url!, prefix, timeoutMs: 200, logger: memoryLogger() });
    await store.connect();
    try {
      const until = Date.now() + 5000;
      expect(await store.blockedUntil('blocked:x')).toBeNull();
      await store.blockUntil('blocked:x', until);
      await store.blockUntil('blocked:x', until - 1000);
      expect(await store.blockedUntil('blocked:x')).toBe(until);
      const rec = { state: 'open' as const, failures: 5, openedAt: 123, probing: false };
      await store.setBreaker('breaker:x', rec);
      expect(await store.breaker('breaker:x')).toEqual(rec);
      expect(await store.breaker('breaker:none')).toEqual({ state: 'closed', failures: 0, openedAt: 0, probing: false });
      expect(await countKeys(url!, prefix)).toBeGreaterThan(0);
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
