/**
 * The cache's second level: several upstream stacks ("replicas", each with its own in-process L1 and its
 * own connection pool) over one real Redis and one real simulator. Calls are counted at the simulator.
 * The end-to-end version, with gateway processes, is in test/state/replicas.test.ts.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../sim/kit.js';
import { siteassistSimulator } from '../../sim/siteassist.js';
import type { GatewayConfig } from '../../src/config/gateway-schema.js';
import { loadConfig } from '../../src/config/load.js';
import type { VendorConfig } from '../../src/config/vendor-schema.js';
import { compileVendor, type CompiledVendor } from '../../src/dialect/vendor.js';
import { redisStore, type RedisStateStore } from '../../src/state/redis-store.js';
import { createUpstream, UpstreamError } from '../../src/upstream/index.js';
import { DEMO_CREDENTIALS } from '../helpers/demo-credentials.js';
import { ROOT, memoryLogger } from '../helpers/harness.js';
import { countKeys, dedicatedRedis, dropKeys, reportSkip, testPrefix, testRedisUrl } from '../helpers/redis.js';
import { ManualClock } from '../helpers/clock.js';

const url = await testRedisUrl();
if (!url) reportSkip('test/upstream/shared-cache.test.ts');

describe.skipIf(!url)('two-level vendor cache over Redis', () => {
  let sim: Simulator;
  let base: VendorConfig;
  let gateway: GatewayConfig;
  const prefixes: string[] = [];
  const open: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    sim = await startSimulator(siteassistSimulator.behaviour({ bearer: 'demo-siteassist-token', query: {} }), {
      data: siteassistSimulator.demoData(3, 30),
    });
    const cfg = await loadConfig(join(ROOT, 'config'), { SITEASSIST_BASE_URL: sim.url, UNCODIE_BASE_URL: sim.url, SUPERAGENTES_BASE_URL: sim.url, ...DEMO_CREDENTIALS });
    base = cfg.vendors.find((v) => v.name === 'siteassist')!;
    gateway = cfg.gateway;
  });
  afterAll(async () => {
    await Promise.all(open.map((o) => o.close()));
    await sim?.close();
    for (const p of prefixes) await dropKeys(url!, p);
  });
  beforeEach(() => {
    sim.fault = null;
    sim.latencyMs = 0;
    sim.calls.length = 0;
  });

  /** N replicas sharing one Redis prefix and one clock. */
  async function replicas(n: number, cache: Partial<VendorConfig['cache'] & object> = {}, redisUrl = url!) {
    const prefix = testPrefix('l2');
    prefixes.push(prefix);
    const clock = new ManualClock();
    const vendor: CompiledVendor = compileVendor({ ...base, cache: { ttlMs: 10_000, staleWhileRevalidateMs: 0, lockMs: 2_000, ...cache } }, gateway);
    const stacks: { store: RedisStateStore; upstream: ReturnType<typeof createUpstream> }[] = [];
    for (let i = 0; i < n; i++) {
      const store: RedisStateStore = redisStore({ url: redisUrl, prefix, timeoutMs: 200, logger: memoryLogger(), probeMs: 50 });
      await store.connect();
      const upstream = createUpstream({ store, clock });
      open.push({ close: () => upstream.close() }, store);
      stacks.push({ store, upstream });
    }
    const get = (i: number, limit = 5) =>
      stacks[i % n]!.upstream.get(vendor, vendor.buildRequest([], 0, limit), {
        signal: new AbortController().signal,
        deadline: clock.now() + 5_000,
        timedOut: () => false,
        timeoutMs: 5_000,
      });
    const stats = (i: number) => stacks[i]!.upstream.stats;
    return { clock, prefix, stacks, get, stats };
  }

  it('identical concurrent requests over two replicas make one vendor call; the other replica waits for it', async () => {
    const { get, stats } = await replicas(2);
    sim.latencyMs = 150; // so the calls overlap, with room for a loaded machine
    const res = await Promise.all(Array.from({ length: 20 }, (_, i) => get(i)));
    expect(sim.calls).toHaveLength(1);
    expect(res.every((r) => r.status === 200)).toBe(true);
    expect(new Set(res.map((r) => r.body)).size).toBe(1);
    // Each replica: one miss, nine joined it in process; one of the two waited and found the page in Redis.
    for (const i of [0, 1]) expect(stats(i)).toMatchObject({ misses: 1, coalesced: 9 });
    expect(stats(0).sharedWaits + stats(1).sharedWaits).toBe(1);
    expect(stats(0).sharedHits + stats(1).sharedHits).toBe(1);
  });

  it('a replica that never saw the page gets it from Redis, and then from its own memory', async () => {
    const { get, stats } = await replicas(3);
    await get(0);
    expect(sim.calls).toHaveLength(1);
    const fromRedis = await get(2);
    expect(sim.calls).toHaveLength(1);
    expect(stats(2)).toMatchObject({ misses: 1, sharedHits: 1, hits: 0 });
    await get(2);
    expect(stats(2)).toMatchObject({ misses: 1, sharedHits: 1, hits: 1 });
    // Status, headers and body survive the trip through Redis.
    const direct = await get(0);
    expect(fromRedis).toEqual(direct);
  });

  it('a page older than the TTL is fetched again, once for all replicas', async () => {
    const { clock, get } = await replicas(2);
    await get(0);
    clock.t += 10_001;
    sim.latencyMs = 50;
    await Promise.all([get(0), get(1), get(0), get(1)]);
    expect(sim.calls).toHaveLength(2);
  });

  it('stale-while-revalidate across replicas: the stale page answers at once and one replica refreshes it', async () => {
    const { clock, get, stats } = await replicas(2, { ttlMs: 1_000, staleWhileRevalidateMs: 60_000 });
    await get(0);
    clock.t += 5_000;
    const stale = await Promise.all([get(1), get(0)]);
    expect(stale.every((r) => r.status === 200)).toBe(true);
    expect(stats(0).staleHits + stats(1).staleHits).toBe(2);
    await expect.poll(() => sim.calls.length).toBe(2);
    await new Promise((r) => setTimeout(r, 100));
    expect(sim.calls).toHaveLength(2); // one refresh, not one per replica
    await get(1);
    expect(sim.calls).toHaveLength(2);
  });

  it('errors are never written to Redis, and the next replica calls for itself', async () => {
    const { get, prefix } = await replicas(2);
    sim.fault = { kind: 'internal' };
    expect((await get(0)).status).toBe(500);
    expect((await get(1)).status).toBe(500);
    expect(sim.calls).toHaveLength(2);
    expect(await countKeys(url!, `${prefix}cache:`)).toBe(0);
  });

  it('a lease is short: a call slower than lockMs lets a second replica call instead of waiting on', async () => {
    const { get, stats } = await replicas(2, { lockMs: 100 });
    sim.latencyMs = 800; // B asks 20 ms after A and waits; A's call outlasts its 100 ms lease, so B then calls too
    const [a, b] = await Promise.all([get(0), new Promise((r) => setTimeout(r, 20)).then(() => get(1))]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(sim.calls).toHaveLength(2);
    expect(stats(1).sharedWaits).toBe(1);
  });

  it('a replica waiting on another gives up at its deadline with a timeout, not a hang', async () => {
    const { clock, stacks, stats } = await replicas(2, { lockMs: 5_000 });
    const vendor = compileVendor({ ...base, cache: { ttlMs: 10_000, staleWhileRevalidateMs: 0, lockMs: 5_000 } }, gateway);
    sim.latencyMs = 1_000;
    const opts = (ms: number) => ({ signal: new AbortController().signal, deadline: clock.now() + ms, timedOut: () => false, timeoutMs: ms });
    const holder = stacks[0]!.upstream.get(vendor, vendor.buildRequest([], 0, 9), opts(5_000));
    await new Promise((r) => setTimeout(r, 30));
    const waiter = stacks[1]!.upstream.get(vendor, vendor.buildRequest([], 0, 9), opts(150));
    const err = await waiter.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).failure).toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
    expect((err as UpstreamError).failure.message).toMatch(/another replica/);
    expect(stats(1).sharedWaits).toBe(1);
    expect((await holder).status).toBe(200);
    expect(sim.calls).toHaveLength(1);
  });

  it('with Redis gone each replica calls for itself (no errors), and shares again once it is back', async () => {
    const redis = await dedicatedRedis();
    try {
      const { get, stacks } = await replicas(2, {}, redis.url);
      await redis.stop();
      sim.latencyMs = 50;
      const res = await Promise.all(Array.from({ length: 10 }, (_, i) => get(i, 6)));
      expect(res.every((r) => r.status === 200)).toBe(true);
      expect(stacks.map((s) => s.store.mode())).toEqual(['fallback:memory', 'fallback:memory']);
      expect(sim.calls).toHaveLength(2); // one per replica: in-process single-flight still holds
      await redis.start();
      await expect.poll(() => stacks.map((s) => s.store.mode()), { timeout: 5_000 }).toEqual(['redis', 'redis']);
      sim.calls.length = 0;
      await Promise.all(Array.from({ length: 10 }, (_, i) => get(i, 7)));
      expect(sim.calls).toHaveLength(1);
    } finally {
      await redis.stop();
    }
  });
});
