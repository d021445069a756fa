/**
 * Breakers are per vendor and origin: two replicas over one Redis, one configured with a wrong base URL
 * (connection refused). Its failures open its own breaker, never the one the healthy replica uses.
 * Skipped, and said so, without a Redis.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { breakerKey } from '../../src/upstream/guard.js';
import { ManualClock } from '../helpers/clock.js';
import { dropKeys, reportSkip, sharedSimulators, testPrefix, testRedisUrl } from '../helpers/redis.js';
import { startReplica, type Replica } from '../helpers/replicas.js';

const url = await testRedisUrl();
if (!url) reportSkip('test/upstream/breaker-origin.test.ts');

/** A loopback port nobody listens on: connections to it are refused. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe.skipIf(!url)('a misconfigured replica', () => {
  let shared: Awaited<ReturnType<typeof sharedSimulators>>;
  const prefix = testPrefix('breaker-origin');
  const replicas: Replica[] = [];
  beforeAll(async () => {
    shared = await sharedSimulators(30);
  });
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.close()));
    await shared?.close();
    await dropKeys(url!, prefix);
  });

  it('a replica with a wrong base URL opens only its own breaker: the healthy replicas keep calling the vendor', async () => {
    // Retries' backoff returns at once; the breaker's cool-down (30 s) never passes.
    const clock = new ManualClock();
    const wrong = `http://127.0.0.1:${await closedPort()}`;
    const bad = await startReplica({ redisUrl: url!, prefix, env: { ...shared.env, SITEASSIST_BASE_URL: wrong }, clock });
    const good = await startReplica({ redisUrl: url!, prefix, env: shared.env, clock });
    replicas.push(bad, good);
    const q = '/conversations?vendor=siteassist&limit=3';

    for (let i = 0; i < 5; i++) {
      const r = await bad.get(q);
      expect(r.status).toBe(503);
      expect(r.body.errors[0].message).toMatch(/connection refused/);
    }
    const cut = await bad.get(q);
    expect(cut.body.errors[0].message).toMatch(/circuit open for siteassist/);
    expect((await bad.get('/vendors')).body.data.find((v: { name: string }) => v.name === 'siteassist').state.breaker.state).toBe('open');

    const sim = shared.sims.get('siteassist')!;
    const calls = sim.calls.length;
    const served = await good.get(q);
    expect(served.status).toBe(200);
    expect(served.body.partial).toBe(false);
    expect(sim.calls.length).toBeGreaterThan(calls);
    expect((await good.get('/vendors')).body.data.find((v: { name: string }) => v.name === 'siteassist').state.breaker).toEqual({ state: 'closed', failures: 0 });

    // In Redis: one record per origin, shared by every replica that uses that origin.
    const v = (r: Replica) => r.gateway.vendors.find((x) => x.name === 'siteassist')!;
    expect((await good.store.breaker(breakerKey('siteassist', v(bad).origin))).state).toBe('open');
    expect((await bad.store.breaker(breakerKey('siteassist', v(good).origin))).state).toBe('closed');
  });
});
