/**
 * `switchboard vendor reset` as an operator runs it (runCli is what bin/switchboard.js runs), and the 429
 * memory it clears: a hostile Retry-After seen by one of two replicas over a real Redis, capped there
 * (the Lua script takes it), honoured by the other, then forgotten for both. The Redis part is skipped,
 * and said so, without a Redis.
 */
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import { blockKey } from '../../src/upstream/guard.js';
import { ROOT } from '../helpers/harness.js';
import { dropKeys, reportSkip, sharedSimulators, testPrefix, testRedisUrl } from '../helpers/redis.js';
import { startReplica, type Replica } from '../helpers/replicas.js';

async function run(argv: string[], env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) }, { CONFIG_DIR: join(ROOT, 'config'), ...env });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('switchboard vendor', () => {
  it('reset needs a vendor or --all, and a vendor the config has', async () => {
    expect((await run(['vendor', 'reset'])).code).toBe(2);
    const unknown = await run(['vendor', 'reset', 'acme']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no vendor "acme" \(configured: siteassist, superagentes, uncodie\)/);
    expect((await run(['vendor', 'frob'])).stderr).toMatch(/unknown vendor command: frob/);
    expect((await run(['vendor', '--help'])).stdout).toMatch(/^Usage: switchboard vendor reset/);
  });

  it('with STATE_STORE=memory it says the state is in each gateway and that a reload forgets it', async () => {
    const r = await run(['vendor', 'reset', 'uncodie']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/STATE_STORE is memory.*kill -HUP/);
  });
});

const url = await testRedisUrl();
if (!url) reportSkip('test/cli/vendor.test.ts');

describe.skipIf(!url)('switchboard vendor reset over Redis', () => {
  let shared: Awaited<ReturnType<typeof sharedSimulators>>;
  const prefix = testPrefix('vendor-reset');
  const replicas: Replica[] = [];
  let redis: Redis;
  beforeAll(async () => {
    shared = await sharedSimulators(30);
    redis = new Redis(url!, { keyPrefix: prefix });
  });
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.close()));
    await shared?.close();
    redis?.disconnect();
    await dropKeys(url!, prefix);
  });

  it('a 400-digit Retry-After in Redis is capped, honoured by every replica, /vendors answers, and `switchboard vendor reset` forgets it for all of them', async () => {
    const env = { ...shared.env, UPSTREAM_MAX_RETRY_AFTER_MS: '60000' };
    const [a, b] = await Promise.all([startReplica({ redisUrl: url!, prefix, env }), startReplica({ redisUrl: url!, prefix, env })]);
    replicas.push(a, b);
    const sim = shared.sims.get('siteassist')!;
    const key = blockKey(a.gateway.vendors.find((v) => v.name === 'siteassist')!);
    const q = '/conversations?vendor=siteassist&limit=3';

    // Keys an older version left: a single "don't call before" of 10^17 ms, never read now, but reset drops it.
    await redis.set('blocked:siteassist', '100000000000000000', 'PX', 3_600_000);
    sim.fault = { kind: 'rateLimit', retryAfter: '9'.repeat(400) };
    const limited = await a.get(q);
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('60');
    sim.fault = null;
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);

    const calls = sim.calls.length;
    const onB = await b.get(q);
    expect(onB.status).toBe(429);
    expect(onB.body.errors[0].message).toMatch(/asked us to wait; not calling it for another (59|60) s/);
    expect(sim.calls.length).toBe(calls);

    // A time no Date can hold, as a hand (or a bug) might leave it: /vendors still answers.
    await redis.set(key, '1e300', 'PX', 60_000);
    const vendors = await b.get('/vendors');
    expect(vendors.status).toBe(200);
    const until = Date.parse(vendors.body.data.find((v: { name: string }) => v.name === 'siteassist').state.rateLimitedUntil);
    expect(until).toBeGreaterThan(Date.now());
    expect(until).toBeLessThanOrEqual(Date.now() + 60_000);

    const reset = await run(['vendor', 'reset', 'siteassist'], { ...shared.env, STATE_STORE: url!, STATE_STORE_PREFIX: prefix, CURSOR_SECRET: 'replica-test-secret-0123456789' });
    expect(reset.stderr).toBe('');
    expect(reset).toMatchObject({ code: 0, stdout: 'siteassist: forgot its 429 memory (1 account) and its breakers (0 origins)' });
    expect(await redis.exists(key, 'blocked:siteassist')).toBe(0);

    for (const r of [a, b]) expect((await r.get(q)).status).toBe(200);
    expect(sim.calls.length).toBeGreaterThan(calls);
  });
});
