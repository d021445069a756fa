/**
 * http.maxHeavy: of the requests the overload guard admitted, those that read a vendor whole or deeper than
 * limits.maxLimit take one more, narrower bound (they hold many items); the others pass it. Over real HTTP,
 * with a vendor read whole that never answers holding the one heavy slot.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_VENDORS, startHarness, type Harness } from '../helpers/harness.js';
import { until } from './stepped-clock.js';

const metric = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);

describe('the bound on heavy requests', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      vendors: SEED_VENDORS.filter((v) => v.name === 'siteassist' || v.name === 'superagentes'),
      gatewayYaml: 'upstream:\n  timeoutMs: 60000\nhttp:\n  maxConcurrent: 8\n  maxHeavy: 1\n  maxQueueWaitMs: 400\n',
    });
  });
  afterAll(async () => h?.close());
  const heavy = () => h.gateway.guards.heavy;
  const overload = () => h.gateway.guards.overload;

  it('one heavy request at a time; light ones pass meanwhile; a heavy one with no turn in time is 503 OVERLOADED naming the bound', async () => {
    // Superagentes can't page: every request that includes it reads it whole. It hangs: the first holds the slot.
    h.sims.get('superagentes')!.fault = { kind: 'hang' };
    const leave = new AbortController();
    const held = request(`${h.url}/conversations?limit=5&vendor=superagentes`, { signal: leave.signal }).catch(() => undefined);
    await until(() => heavy().active === 1, 'the heavy slot taken');

    // A second heavy request waits for it (admitted by the overload guard, queued by the heavy bound).
    const waiting = h.get('/conversations?limit=5&vendor=superagentes');
    await until(() => heavy().queued === 1, 'a heavy request queued');
    expect(overload().active).toBe(2);
    const metrics = await (await request(`${h.url}/metrics`)).body.text();
    expect([metric(metrics, 'switchboard_inflight_heavy_requests'), metric(metrics, 'switchboard_queued_heavy_requests')]).toEqual([1, 1]);

    // Light pages are served while both wait: a first page and one 100 deep (limits.maxLimit) of a lazy vendor.
    for (const path of ['/conversations?limit=5&vendor=siteassist', '/conversations?limit=10&offset=90&vendor=siteassist']) {
      const res = await h.get(path);
      expect(res.status, path).toBe(200);
      expect(res.body.data.length).toBeGreaterThan(0);
    }
    expect(heavy().queued).toBe(1);

    // No turn within maxQueueWaitMs: refused, and the bound it waited for is named.
    const refused = await waiting;
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ code: 'OVERLOADED' });
    expect(refused.body.detail).toMatch(/no turn within 400 ms \(1 deep or whole reads in progress/);
    expect(refused.headers['retry-after']).toBe('1');

    // A deep page of the lazy vendor is heavy too: it waits for the slot, and gets it once the holder leaves.
    const deep = h.get('/conversations?limit=10&offset=91&vendor=siteassist');
    await until(() => heavy().queued === 1, 'the deep page queued');
    leave.abort();
    await held;
    const res = await deep;
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(10);
    h.sims.get('superagentes')!.fault = null;
    await until(() => heavy().active === 0 && overload().active === 0, 'every slot given back');
    // And a whole read is served as usual once the vendor answers.
    expect((await h.get('/conversations?limit=5&vendor=superagentes')).status).toBe(200);
  });
});

describe('the bound on heavy requests, with mirrors', () => {
  let h: Harness;
  beforeAll(async () => {
    // Superagentes never answers: its mirror's first full read can't finish, so it stays warming and every
    // request reads the vendor live, whole, as it would without a mirror.
    h = await startHarness({
      vendors: SEED_VENDORS.filter((v) => v.name === 'siteassist' || v.name === 'superagentes'),
      gatewayYaml: 'upstream:\n  timeoutMs: 60000\nhttp:\n  maxConcurrent: 8\n  maxHeavy: 1\n',
      mirrors: {},
      faults: { superagentes: { kind: 'hang' } },
    });
  });
  afterAll(async () => h?.close());
  const heavy = () => h.gateway.guards.heavy;

  it('a vendor whose mirror is still warming is read live and whole: heavy, its turn taken once the mirror state is read; a lazy first page beside it is not held back', async () => {
    const status = (await h.gateway.mirrors!.status()).get('superagentes');
    expect(status?.state).toBe('warming');
    const leave = new AbortController();
    const held = request(`${h.url}/conversations?limit=5&vendor=superagentes`, { signal: leave.signal }).catch(() => undefined);
    await until(() => heavy().active === 1, 'the heavy slot taken');
    // Both vendors: SiteAssist's first page is light, Superagentes' live whole read is not, so the request waits.
    const gone = new AbortController();
    const both = request(`${h.url}/conversations?limit=5`, { signal: gone.signal }).catch(() => undefined);
    await until(() => heavy().queued === 1, 'the second whole read queued');
    const light = await h.get('/conversations?limit=5&vendor=siteassist');
    expect(light.status).toBe(200);
    expect(light.body.sources[0]).toMatchObject({ vendor: 'siteassist', status: 'ok', mode: 'live' });
    expect(heavy().queued).toBe(1);
    leave.abort();
    await held;
    // Its turn comes (then it waits on the vendor that never answers, until its caller leaves too).
    await until(() => heavy().active === 1 && heavy().queued === 0, 'the queued request admitted');
    gone.abort();
    await both;
    await until(() => heavy().active === 0, 'the heavy slot given back');
  });
});
