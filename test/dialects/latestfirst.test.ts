/**
 * Latestfirst: a vendor with one fixed order (newest updated first) and no sort parameter, said in its
 * YAML as `order.natural`. Its simulator over raw HTTP first, then through the gateway's HTTP API with the
 * calls counted at the simulator: the natural order is read lazily, every other order whole and exactly,
 * and an answer out of the promised order fails the vendor.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateConversations, type CanonicalConversation } from '../../sim/canonical.js';
import { startSimulator, type Simulator } from '../../sim/kit.js';
import { DIALECT_VENDORS, startHarness, type Harness } from '../helpers/harness.js';
import { referenceList, toQueryString } from '../helpers/reference.js';
import { get } from '../sim/helpers.js';
import { gatewaySchema } from '../../src/config/gateway-schema.js';
import { vendorSchema } from '../../src/config/vendor-schema.js';
import { compileVendor } from '../../src/dialect/vendor.js';
import { credsOf, loadVendor, readConfig } from './harness.js';
import { dialectVendors } from './index.js';
import { latestfirstSimulator, naturalOrder, stateOf } from './latestfirst.js';

const VENDOR = DIALECT_VENDORS.find((v) => v.name === 'latestfirst')!;
const TOKEN = 'lf-token';
const AUTH = { authorization: `Bearer ${TOKEN}` };

/** Distinct update instants (a 90-day window), so where a page ends no tie asks for one more item. */
const data = latestfirstSimulator.demoData(11, 120);
/** Twelve seconds for 60 conversations: almost every update instant is shared. */
const ties = generateConversations({ seed: 4, count: 60, spanSeconds: 12, idPrefix: 'lf-tie', channels: ['email'] });

describe('latestfirst simulator', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator(latestfirstSimulator.behaviour({ bearer: TOKEN, query: {} }), { data });
  });
  afterAll(async () => sim?.close());

  const page = async (query: Record<string, string>) => {
    const r = await get(sim.url, '/conversations', query, AUTH);
    expect(r.status, r.text).toBe(200);
    return r.json() as { conversations: { id: string; updated_at: number }[]; pages: unknown };
  };

  it('answers newest updated first, 20 a page by default, until an empty page, with no total', async () => {
    const first = await page({});
    expect(first.pages).toEqual({ type: 'pages', page: 1, per_page: 20 });
    const seen: string[] = [];
    for (let n = 1; n <= 3; n++) seen.push(...(await page({ page: String(n), per_page: '50' })).conversations.map((c) => c.id));
    expect(seen).toEqual(naturalOrder(data).map((c) => c.id));
    expect((await page({ page: '4', per_page: '50' })).conversations).toEqual([]);
    expect(Object.keys(first)).not.toContain('total_count');
  });

  it.each([
    [{ sort: 'updated_at' }, /unknown parameter: sort/],
    [{ order: 'asc' }, /unknown parameter: order/],
    [{ per_page: '51' }, /per_page must be between 1 and 50/],
    [{ page: '0' }, /page must be a positive integer/],
  ])('answers %j with 400 in its envelope', async (query, detail) => {
    const r = await get(sim.url, '/conversations', query, AUTH);
    expect(r.status).toBe(400);
    expect(r.json()).toEqual({ type: 'error', error: { kind: expect.stringMatching(/^parameter_/), detail: expect.stringMatching(detail) } });
  });

  it('answers a wrong token with 401 token_unauthorized', async () => {
    const r = await get(sim.url, '/conversations', {}, { authorization: 'Bearer nope' });
    expect([r.status, r.json().error.kind]).toEqual([401, 'token_unauthorized']);
  });

  it('snoozes open conversations a person handles', () => {
    const open = data.filter((c) => c.status === 'open');
    expect(new Set(open.map(stateOf))).toEqual(new Set(['open', 'snoozed']));
  });

  it('under the reversed fault, answers each page oldest first', async () => {
    sim.fault = { kind: 'reversed' };
    try {
      const ids = (await page({ per_page: '5' })).conversations.map((c) => c.id);
      expect(ids).toEqual(naturalOrder(data).slice(0, 5).map((c) => c.id).reverse());
    } finally {
      sim.fault = null;
    }
  });
});

describe('latestfirst config', () => {
  const { config, compiled: v } = loadVendor(dialectVendors.latestfirst.configFile);

  it('gives exactly one order, its natural one, asked for with no parameter', () => {
    expect(v.orders).toEqual([{ by: 'updatedAt', dir: 'desc', params: [], how: 'natural' }]);
    expect(v.orderFor('updatedAt', 'desc')).toEqual([]);
    expect(v.orderFor('updatedAt', 'asc')).toBeNull();
    expect(v.orderFor('createdAt', 'desc')).toBeNull();
    expect(credsOf(config)).toEqual({ bearer: 'test-latestfirst-token', query: {} });
  });

  it('with a mirror, keeps it by reading newest updated first until the mark (it has no date filter)', () => {
    const withMirror = vendorSchema.parse({ ...(readConfig(dialectVendors.latestfirst.configFile) as object), mirror: {} });
    const m = compileVendor(withMirror, gatewaySchema.parse({})).mirror!;
    expect(m.frequent).toEqual({ kind: 'changes', via: 'order', field: 'updatedAt' });
    expect(m.describe).toMatch(/^incremental \(newest updatedAt first\)/);
  });
});

describe('latestfirst through the gateway', () => {
  let h: Harness;
  let sim: Simulator;
  beforeAll(async () => {
    // Distinct update instants: the test's call counts don't depend on where a tie falls.
    expect(new Set(data.map((c) => c.updatedAt)).size).toBe(data.length);
    h = await startHarness({ vendors: [VENDOR], data: { latestfirst: data } });
    sim = h.sims.get('latestfirst')!;
  });
  afterAll(async () => h?.close());

  const ref = (q: Parameters<typeof referenceList>[1], d: CanonicalConversation[] = data) =>
    referenceList([{ name: 'latestfirst', module: latestfirstSimulator, data: d, vendorSearch: false }], q);
  /** The gateway's answer and the vendor calls it cost. */
  const counted = async (q: Record<string, string | number | undefined>) => {
    const before = sim.calls.length;
    const res = await h.get(`/conversations${toQueryString(q)}`);
    return { res, calls: sim.calls.slice(before) };
  };

  it('a first page in the natural order (updatedAt desc) costs exactly one call, with no order parameter', async () => {
    const { res, calls } = await counted({ orderBy: 'updatedAt', orderDir: 'desc', limit: 10, explain: 'true' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(calls).toHaveLength(1);
    // The page, one more to tell a next page exists, one more to see past the last instant: nothing else.
    expect([...calls[0]!.query]).toEqual([['page', '1'], ['per_page', '12']]);
    expect(res.body.data).toEqual(ref({ orderBy: 'updatedAt', orderDir: 'desc' }).slice(0, 10));
    expect(res.body.sources[0]).toMatchObject({ vendor: 'latestfirst', status: 'ok', mode: 'live', calls: 1, fetched: 12 });
    expect(res.body.plan[0]).toMatchObject({ order: 'natural', read: 'lazy', params: [] });
    expect(res.body.nextCursor).toEqual(expect.any(String));
  });

  it('walks the natural order by cursor exactly, reading lazily on every page', async () => {
    const want = ref({ orderBy: 'updatedAt', orderDir: 'desc' }).map((c) => c.id);
    const ids: string[] = [];
    let { res } = await counted({ orderBy: 'updatedAt', orderDir: 'desc', limit: 25 });
    for (;;) {
      expect(res.status).toBe(200);
      ids.push(...res.body.data.map((c: { id: string }) => c.id));
      // Never the whole vendor for one page of 25.
      expect(res.body.sources[0].fetched).toBeLessThan(data.length);
      if (!res.body.nextCursor) break;
      res = await h.get(`/conversations?cursor=${encodeURIComponent(res.body.nextCursor)}`);
    }
    expect(ids).toEqual(want);
  });

  it('the opposite direction (updatedAt asc) is read whole and is still exact', async () => {
    const { res, calls } = await counted({ orderBy: 'updatedAt', orderDir: 'asc', limit: 10, explain: 'true' });
    expect(res.status).toBe(200);
    // Three pages of 50, 50 and 20, then the empty page that ends the list.
    expect(calls.map((c) => c.query.get('page'))).toEqual(['1', '2', '3', '4']);
    for (const c of calls) expect([...c.query.keys()]).toEqual(['page', 'per_page']);
    expect(res.body.data).toEqual(ref({ orderBy: 'updatedAt', orderDir: 'asc' }).slice(0, 10));
    expect(res.body.total).toBe(data.length);
    expect(res.body.sources[0]).toMatchObject({ status: 'ok', fetched: data.length, calls: 4 });
    expect(res.body.plan[0]).toMatchObject({ order: 'local', read: 'whole' });
  });

  it.each([['createdAt', 'desc'], ['lastActivityAt', 'asc']] as const)('any other order (%s %s) is read whole, exactly', async (orderBy, orderDir) => {
    const { res, calls } = await counted({ orderBy, orderDir, limit: 100 });
    expect(calls).toHaveLength(4);
    expect(res.body.data).toEqual(ref({ orderBy, orderDir }).slice(0, 100));
  });

  it('ties in the natural order come out in our order (by id), none lost or repeated across pages', async () => {
    sim.data = ties;
    try {
      expect(new Set(ties.map((c) => c.updatedAt)).size).toBeLessThan(ties.length / 3);
      const ids: string[] = [];
      let res = await h.get('/conversations?orderBy=updatedAt&orderDir=desc&limit=7');
      for (;;) {
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        ids.push(...res.body.data.map((c: { id: string }) => c.id));
        if (!res.body.nextCursor) break;
        res = await h.get(`/conversations?cursor=${encodeURIComponent(res.body.nextCursor)}`);
      }
      expect(ids).toEqual(ref({ orderBy: 'updatedAt', orderDir: 'desc' }, ties).map((c) => c.id));
    } finally {
      sim.data = data;
    }
  });

  it('an answer out of the natural order fails the vendor with UPSTREAM_INVALID_RESPONSE', async () => {
    sim.fault = { kind: 'reversed' };
    try {
      const res = await h.get('/conversations?orderBy=updatedAt&orderDir=desc&limit=10');
      expect(res.status).toBe(502);
      expect(res.body).toMatchObject({
        code: 'UPSTREAM_INVALID_RESPONSE',
        errors: [{ vendor: 'latestfirst', code: 'UPSTREAM_INVALID_RESPONSE', message: expect.stringMatching(/out of updatedAt desc order/) }],
      });
      // Read whole, the vendor's order is not relied on: the same answer is sorted here, exactly.
      const whole = await h.get('/conversations?orderBy=updatedAt&orderDir=asc&limit=10');
      expect(whole.status).toBe(200);
      expect(whole.body.data).toEqual(ref({ orderBy: 'updatedAt', orderDir: 'asc' }).slice(0, 10));
    } finally {
      sim.fault = null;
      h.resetState();
    }
  });

  it('GET /vendors: updatedAt pushed (and lazy) newest first only, by its natural order', async () => {
    const res = await h.get('/vendors');
    expect(res.body.data[0].capabilities).toMatchObject({
      order: { updatedAt: 'pushed desc', createdAt: 'here', lastActivityAt: 'here' },
      orders: [{ by: 'updatedAt', dir: 'desc', how: 'natural' }],
      read: { updatedAt: 'lazy desc', createdAt: 'whole', lastActivityAt: 'whole' },
      paging: 'page',
    });
  });
});

describe('latestfirst with another vendor', () => {
  let h: Harness;
  beforeAll(async () => {
    const pagebox = DIALECT_VENDORS.find((v) => v.name === 'pagebox')!;
    h = await startHarness({ vendors: [VENDOR, pagebox], data: { latestfirst: data } });
  });
  afterAll(async () => h?.close());

  it('out of order, latestfirst fails in sources (the page partial) while the other vendor still answers', async () => {
    h.sims.get('latestfirst')!.fault = { kind: 'reversed' };
    const res = await h.get('/conversations?orderBy=updatedAt&orderDir=desc&limit=10');
    expect(res.status).toBe(200);
    const by = Object.fromEntries(res.body.sources.map((s: { vendor: string }) => [s.vendor, s]));
    expect(by.latestfirst).toMatchObject({ status: 'error', error: { code: 'UPSTREAM_INVALID_RESPONSE' } });
    expect(by.pagebox).toMatchObject({ status: 'ok' });
    expect(res.body.partial).toBe(true);
    expect(res.body.data.every((c: { vendor: string }) => c.vendor === 'pagebox')).toBe(true);
  });
});

describe('latestfirst mirrored', () => {
  let h: Harness;
  const copy = structuredClone(data);
  beforeAll(async () => {
    h = await startHarness({ vendors: [VENDOR], data: { latestfirst: copy }, mirrors: { serveAlways: true } });
    await h.mirrorsReady();
  });
  afterAll(async () => h?.close());

  it('its frequent pass reads newest updated first (sending no order parameter) and stops at the mark', async () => {
    const sim = h.sims.get('latestfirst')!;
    const changed = copy[40]!;
    changed.updatedAt = Math.max(...copy.map((c) => c.updatedAt)) + 1000;
    changed.title = 'changed since the full read';
    const before = sim.calls.length;
    const report = await h.gateway.mirrors!.syncNow('latestfirst', 'frequent');
    expect(report).toMatchObject({ kind: 'incremental', calls: 1, error: null });
    // (The worker's own passes may run meanwhile: every call is this one page, with no order parameter.)
    const calls = sim.calls.slice(before);
    expect(calls.length).toBeGreaterThan(0);
    for (const c of calls) expect([...c.query]).toEqual([['page', '1'], ['per_page', '50']]);
    const res = await h.get('/conversations?orderBy=updatedAt&orderDir=desc&limit=1');
    expect(res.body.sources[0]).toMatchObject({ mode: 'mirror', calls: 0 });
    expect(res.body.data[0]).toMatchObject({ externalId: changed.id, title: 'changed since the full read' });
  });
});
