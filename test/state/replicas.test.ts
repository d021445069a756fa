/**
 * Two real gateway processes over one Redis and one set of simulators (started here, so calls are counted
 * where they land): they act toward vendors as one gateway. Skipped, and said so, without a Redis.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '../../sim/kit.js';
import { dedicatedRedis, dropKeys, reportSkip, sharedSimulators, startGatewayProcess, testPrefix, testRedisUrl, type GatewayProcess } from '../helpers/redis.js';

const url = await testRedisUrl();
if (!url) reportSkip('test/state/replicas.test.ts');

const SECRET = 'replicas-test-secret-0123456789';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const metric = (text: string, line: string) => new RegExp(`^${line.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1];

describe.skipIf(!url)('replicas sharing Redis', () => {
  let shared: Awaited<ReturnType<typeof sharedSimulators>>;
  const prefixes: string[] = [];
  const running: GatewayProcess[] = [];

  /** Two replicas over the shared simulators and one fresh key prefix. */
  async function pair(env: Record<string, string> = {}, store = url!): Promise<[GatewayProcess, GatewayProcess]> {
    const prefix = testPrefix('replicas');
    prefixes.push(prefix);
    // A roomy Redis timeout: these tests are about sharing, not about a loaded CI machine's latency.
    const common = { ...shared.env, STATE_STORE_TIMEOUT_MS: '1000', STATE_STORE: store, STATE_STORE_PREFIX: prefix, CURSOR_SECRET: SECRET, CLIENT_RATE_PER_MINUTE: '100000', CLIENT_RATE_BURST: '10000', UNCODIE_RATE_PER_MINUTE: '100000', UNCODIE_RATE_BURST: '10000', ...env };
    const both = await Promise.all([startGatewayProcess(common), startGatewayProcess(common)]);
    running.push(...both);
    return both;
  }
  const sim = (name: string): Simulator => shared.sims.get(name)!;

  beforeAll(async () => {
    shared = await sharedSimulators(120);
  });
  afterAll(async () => {
    await Promise.all(running.map((g) => g.stop()));
    await shared?.close();
    for (const p of prefixes) await dropKeys(url!, p);
  });

  it('a cursor from replica A continues on replica B, through a whole walk alternating replicas', async () => {
    const [a, b] = await pair();
    expect((await a.get('/readyz')).body).toEqual({ status: 'ready', stateStore: 'redis' });
    const ids: string[] = [];
    let page = await a.get('/conversations?limit=25');
    let hops = 0;
    for (;;) {
      expect(page.status).toBe(200);
      expect(page.body.partial).toBe(false);
      ids.push(...page.body.data.map((c: { id: string }) => c.id));
      if (!page.body.nextCursor) break;
      hops++;
      page = await (hops % 2 ? b : a).get(`/conversations?limit=25&cursor=${encodeURIComponent(page.body.nextCursor)}`);
    }
    expect(hops).toBeGreaterThan(10);
    expect(ids).toHaveLength(360);
    expect(new Set(ids).size).toBe(360);
    await Promise.all([a.stop(), b.stop()]);
  });

  it("a vendor's 429 seen by A stops B from calling it until Retry-After", async () => {
    const [a, b] = await pair();
    const sa = sim('siteassist');
    sa.fault = { kind: 'rateLimit', retryAfter: 2 };
    const first = await a.get('/conversations?vendor=siteassist&limit=5');
    expect(first.status).toBe(429);
    const since = Date.now();
    sa.fault = null;
    const calls = sa.calls.length;
    const onB = await b.get('/conversations?vendor=siteassist&limit=5');
    expect(onB.status).toBe(429);
    expect(onB.body.errors[0].message).toMatch(/asked us to wait/);
    expect(sa.calls.length).toBe(calls);
    await sleep(Math.max(0, 2100 - (Date.now() - since)));
    const later = await b.get('/conversations?vendor=siteassist&limit=5');
    expect(later.status).toBe(200);
    expect(sa.calls.length).toBeGreaterThan(calls);
    await Promise.all([a.stop(), b.stop()]);
  });

  it('the outbound budget holds for both replicas together (and would not without Redis)', async () => {
    // 60 a minute (one a second), bursts of 4; Uncodie's YAML allows a 250 ms reservation.
    const budget = { UNCODIE_RATE_PER_MINUTE: '60', UNCODIE_RATE_BURST: '4' };
    const u = sim('uncodie');
    const load = async ([a, b]: [GatewayProcess, GatewayProcess]) => {
      const before = u.calls.length;
      const started = Date.now();
      const res = await Promise.all(Array.from({ length: 24 }, (_, i) => (i % 2 ? b : a).get('/conversations?vendor=uncodie&limit=1')));
      const seconds = (Date.now() - started) / 1000;
      // Uncodie holds 120 conversations here: two calls per request, read whole.
      return { calls: u.calls.length - before, seconds, ok: res.filter((r) => r.status === 200).length, limited: res.filter((r) => r.status === 429).length, other: res.filter((r) => r.status !== 200 && r.status !== 429).length };
    };
    const shared = await load(await pair(budget));
    const local = await load(await pair(budget, 'memory'));
    console.info(`[redis] uncodie calls for 24 requests over 2 replicas, budget 4 burst + 1/s: shared Redis ${shared.calls} in ${shared.seconds.toFixed(2)} s, memory-only ${local.calls} in ${local.seconds.toFixed(2)} s`);
    expect(shared.other).toBe(0);
    expect(shared.calls).toBeLessThanOrEqual(4 + Math.ceil(shared.seconds + 0.25));
    // The control: two private buckets let twice the burst through.
    expect(local.calls).toBeGreaterThan(shared.calls);
    for (const g of running.splice(0)) await g.stop();
  });

  it('50 identical concurrent requests over both replicas make one call per distinct vendor request (cache on)', async () => {
    const callsBy = (s: Simulator, since: number) => {
      const m = new Map<string, number>();
      for (const c of s.calls.slice(since)) m.set(`${c.path}?${c.query}`, (m.get(`${c.path}?${c.query}`) ?? 0) + 1);
      return m;
    };
    const burst = async ([a, b]: [GatewayProcess, GatewayProcess], query: string) => {
      const since = new Map([...shared.sims].map(([n, s]) => [n, s.calls.length]));
      const res = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? b : a).get(query)));
      expect(res.map((r) => r.status)).toEqual(Array(50).fill(200));
      expect(new Set(res.map((r) => JSON.stringify(r.body.data))).size).toBe(1);
      return new Map([...shared.sims].map(([n, s]) => [n, callsBy(s, since.get(n)!)]));
    };
    for (const s of shared.sims.values()) s.latencyMs = 60; // so the 50 overlap
    try {
      const cache = { VENDOR_CACHE_TTL_MS: '5000' };
      const redisPair = await pair(cache);
      const withRedis = await burst(redisPair, '/conversations?limit=12&orderBy=createdAt');
      for (const [name, counts] of withRedis) {
        expect(counts.size, name).toBeGreaterThan(0);
        for (const [req, n] of counts) expect(n, `${name} ${req}`).toBe(1);
      }
      // The control: without the shared level each replica makes its own (single-flighted) calls.
      const alone = await burst(await pair(cache, 'memory'), '/conversations?limit=12&orderBy=createdAt');
      for (const [name, counts] of alone) for (const [req, n] of counts) expect(n, `${name} ${req}`).toBe(2);
      const sum = (m: Map<string, Map<string, number>>) => [...m.values()].reduce((t, c) => t + [...c.values()].reduce((x, y) => x + y, 0), 0);
      console.info(`[redis] vendor calls for 50 identical requests over 2 replicas, cache on: shared Redis ${sum(withRedis)}, memory-only ${sum(alone)}`);
    } finally {
      for (const s of shared.sims.values()) s.latencyMs = 0;
      for (const g of running.splice(0)) await g.stop();
    }
  });

  it("a client's inbound limit is one limit over both replicas (and two without Redis)", async () => {
    // Auth is off: the client is its address, the same for both replicas. A burst of 6, then one a minute.
    const limit = { CLIENT_RATE_PER_MINUTE: '1', CLIENT_RATE_BURST: '6' };
    const walk = async ([a, b]: [GatewayProcess, GatewayProcess]) => {
      const res = [];
      for (let i = 0; i < 12; i++) res.push(await (i % 2 ? b : a).get('/conversations?vendor=siteassist&limit=1'));
      return res;
    };
    const together = await walk(await pair(limit));
    expect(together.map((r) => r.status)).toEqual([...Array(6).fill(200), ...Array(6).fill(429)]);
    expect(together[6]!.body).toMatchObject({ code: 'RATE_LIMITED', detail: expect.stringMatching(/over its rate limit/) });
    // The remaining count goes down across replicas: B's first answer knows what A spent.
    expect(together.slice(0, 6).map((r) => /r=(\d+)/.exec(String(r.headers['ratelimit']))?.[1])).toEqual(['5', '4', '3', '2', '1', '0']);
    const alone = await walk(await pair(limit, 'memory'));
    expect(alone.filter((r) => r.status === 200)).toHaveLength(12);
    for (const g of running.splice(0)) await g.stop();
  });

  it('the breaker opened by A is open on B', async () => {
    const [a, b] = await pair();
    const sup = sim('superagentes');
    sup.fault = { kind: 'unavailable' };
    try {
      for (let i = 0; i < 5; i++) await a.get('/conversations?vendor=superagentes&limit=1');
    } finally {
      sup.fault = null;
    }
    const calls = sup.calls.length;
    const metrics = await b.get('/metrics');
    expect(metric(metrics.body, 'switchboard_vendor_breaker_state{vendor="superagentes"}')).toBe('2');
    const onB = await b.get('/conversations?vendor=superagentes&limit=1');
    expect(onB.status).toBe(503);
    expect(onB.body.errors[0].message).toMatch(/circuit open/);
    expect(sup.calls.length).toBe(calls);
    await Promise.all([a.stop(), b.stop()]);
  });

  it('Redis slow but connected (all clients paused): no 5xx, fallback logged and reported, shared again after', async () => {
    const redis = await dedicatedRedis();
    const admin = new Redis(redis.url);
    try {
      const [a, b] = await pair({ STATE_STORE_TIMEOUT_MS: '80' }, redis.url);
      const ask = async (limit: number) => {
        const res = await Promise.all([a, b].map((g) => g.get(`/conversations?limit=${limit}`)));
        for (const r of res) expect(r.status).toBe(200);
      };
      await ask(5);
      // Redis keeps the connections and answers nothing for 1.5 s: every command waits.
      await admin.call('CLIENT', 'PAUSE', '1500', 'ALL');
      const paused = Date.now();
      for (let i = 0; i < 3; i++) await ask(6 + i);
      expect(Date.now() - paused).toBeLessThan(1500); // answered on local state, not after Redis
      for (const g of [a, b]) {
        expect((await g.get('/readyz')).body).toMatchObject({ status: 'degraded', stateStore: 'fallback:memory', degraded: [expect.stringMatching(/Redis is unreachable/)] });
        expect(metric((await g.get('/metrics')).body, 'switchboard_state_store_fallback')).toBe('1');
        expect(g.output().match(/Redis\) unreachable or slow/g)).toHaveLength(1);
        expect(g.output()).toMatch(/no answer from Redis within 80 ms/);
      }
      for (const g of [a, b]) {
        for (let i = 0; i < 100 && (await g.get('/readyz')).body.stateStore !== 'redis'; i++) await sleep(50);
        expect((await g.get('/readyz')).body).toEqual({ status: 'ready', stateStore: 'redis' });
        expect(g.output()).toMatch(/is back/);
      }
      await ask(5);
      await Promise.all([a.stop(), b.stop()]);
    } finally {
      admin.disconnect();
      await redis.stop();
    }
  });

  it('Redis stopped mid-test: no 5xx, fallback logged and reported, shared again when it is back', async () => {
    const redis = await dedicatedRedis();
    try {
      const [a, b] = await pair({ STATE_STORE_TIMEOUT_MS: '80' }, redis.url);
      const ask = async () => {
        const res = await Promise.all([a, b].map((g) => g.get('/conversations?limit=5')));
        for (const r of res) expect(r.status).toBe(200);
      };
      await ask();
      await redis.stop();
      for (let i = 0; i < 5; i++) await ask();
      for (const g of [a, b]) {
        expect(await g.get('/readyz')).toMatchObject({ status: 200, body: { status: 'degraded', stateStore: 'fallback:memory' } });
        expect(metric((await g.get('/metrics')).body, 'switchboard_state_store_fallback')).toBe('1');
        expect(metric((await g.get('/metrics')).body, 'switchboard_state_store_fallbacks_total')).toBe('1');
        expect(g.output().match(/Redis\) unreachable or slow/g)).toHaveLength(1);
      }
      await redis.start();
      for (const g of [a, b]) {
        for (let i = 0; i < 100 && (await g.get('/readyz')).body.stateStore !== 'redis'; i++) await sleep(50);
        expect((await g.get('/readyz')).body).toEqual({ status: 'ready', stateStore: 'redis' });
        expect(metric((await g.get('/metrics')).body, 'switchboard_state_store_fallback')).toBe('0');
        expect(metric((await g.get('/metrics')).body, 'switchboard_state_store_fallbacks_total')).toBe('1'); // one episode, over
        expect(g.output()).toMatch(/is back/);
      }
      await ask();
      await Promise.all([a.stop(), b.stop()]);
    } finally {
      await redis.stop();
    }
  });
});
