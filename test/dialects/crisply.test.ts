/**
 * Crisply: its simulator over raw HTTP (the dialect itself), then through the gateway's HTTP API with calls
 * counted at the simulator: a filter whose values send their own parameters, and minPageSize.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../sim/kit.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { referenceList } from '../helpers/reference.js';
import { get } from '../sim/helpers.js';
import { crisplySimulator, stateOf } from './crisply.js';
import { dialectVendors } from './index.js';

const creds = { basic: { username: 'id-1', password: 'key-1' }, query: {} };
const AUTH = { authorization: `Basic ${Buffer.from('id-1:key-1').toString('base64')}` };
const at = (page?: number | string) => `/v1/website/site-1/conversations${page === undefined ? '' : `/${page}`}`;
const demo = crisplySimulator.demoData(11, 45);

describe('crisply simulator', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator(crisplySimulator.behaviour(creds), { data: demo });
  });
  afterAll(async () => sim.close());

  const rows = async (path: string, query: Record<string, string> = {}) => {
    const r = await get(sim.url, path, query, AUTH);
    expect(r.status, r.text).toBe(200);
    return r.json().data as { session_id: string; state: string }[];
  };
  const ids = (xs: { session_id: string }[]) => xs.map((x) => x.session_id);
  const rejects = async (query: Record<string, string>, message: RegExp) => {
    const r = await get(sim.url, at(1), query, AUTH);
    expect(r.status).toBe(400);
    expect(r.json()).toEqual({ error: true, reason: 'invalid_data', data: { message: expect.stringMatching(message) } });
  };

  it('refuses other credentials with 401', async () => {
    const r = await get(sim.url, at(1), {}, {});
    expect(r.status).toBe(401);
    expect(r.json()).toMatchObject({ error: true, reason: 'unauthorized' });
  });

  it('answers newest-updated first, 20 a page by default; the page in the path or as ?page=', async () => {
    const byUpdate = [...demo].sort((a, b) => b.updatedAt - a.updatedAt).map((c) => c.id);
    expect(ids(await rows(at(1)))).toEqual(byUpdate.slice(0, 20));
    expect(ids(await rows(at(2)))).toEqual(byUpdate.slice(20, 40));
    expect(ids(await rows(at(), { page: '2' }))).toEqual(byUpdate.slice(20, 40));
    expect(ids(await rows(at(3), { per_page: '20' }))).toEqual(byUpdate.slice(40));
    expect(await rows(at(4))).toEqual([]);
  });

  it('sorts newest-created first with order_date_created=1, and has no ascending order', async () => {
    expect(ids(await rows(at(1), { order_date_created: '1', per_page: '50' }))).toEqual([...demo].sort((a, b) => b.createdAt - a.createdAt).map((c) => c.id));
    await rejects({ order_date_created: 'asc' }, /order_date_created/);
  });

  it.each([['19'], ['51'], ['7'], ['x']])('answers per_page=%s with a 400', async (n) => {
    await rejects({ per_page: n }, /per_page must be between 20 and 50/);
  });

  it('filters by status with two flags, and refuses both at once', async () => {
    const resolved = await rows(at(1), { filter_resolved: '1', per_page: '50' });
    expect(ids(resolved).sort()).toEqual(demo.filter((c) => stateOf(c) === 'resolved').map((c) => c.id).sort());
    const open = await rows(at(1), { filter_not_resolved: '1', per_page: '50' });
    expect(ids(open).sort()).toEqual(demo.filter((c) => c.status === 'open').map((c) => c.id).sort());
    expect(new Set(open.map((r) => r.state))).toEqual(new Set(['pending', 'unresolved']));
    await rejects({ filter_resolved: '1', filter_not_resolved: '1' }, /exclude each other/);
  });
});

describe('crisply through the gateway: calls counted at the simulator', () => {
  const data = crisplySimulator.demoData(5, 57);
  const ref = { name: 'crisply', module: crisplySimulator, data, vendorSearch: false };
  let h: Harness;
  let sim: Simulator;
  beforeAll(async () => {
    h = await startHarness({ vendors: [{ name: 'crisply', ...dialectVendors.crisply }], data: { crisply: data } });
    sim = h.sims.get('crisply')!;
  });
  afterAll(async () => h?.close());

  /** The gateway's answer and the calls the simulator got for it. */
  const list = async (qs: string) => {
    const before = sim.calls.length;
    const res = await h.get(`/conversations?${qs}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return { body: res.body, calls: sim.calls.slice(before) };
  };

  it.each([
    ['closed', 'filter_resolved', 'filter_not_resolved'],
    ['open', 'filter_not_resolved', 'filter_resolved'],
  ] as const)('status=%s sends %s=1 alone: 1 call, exact, with the parameter named in the plan', async (status, flag, other) => {
    const want = referenceList([ref], { status });
    expect(want.length).toBeGreaterThan(0);
    expect(want.length).toBeLessThan(50); // one page of 50, shorter than asked: the last one
    const { body, calls } = await list(`status=${status}&limit=100&explain=true`);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.query.get(flag)).toBe('1');
    expect(calls[0]!.query.has(other)).toBe(false);
    expect(body.data).toEqual(want);
    expect(body.total).toBe(want.length);
    expect(body.plan[0]).toMatchObject({ pushedFilters: ['status'], filterParams: [`${flag} ← status=${status}`] });
  });

  it('a first page in its natural order (updatedAt desc) costs 1 call and sends no order parameter', async () => {
    const { body, calls } = await list('orderBy=updatedAt&orderDir=desc&limit=10&explain=true');
    expect(calls).toHaveLength(1);
    expect([...calls[0]!.query.keys()]).toEqual(['per_page']);
    expect(calls[0]!.query.get('per_page')).toBe('20');
    expect(body.plan[0]).toMatchObject({ read: 'lazy', order: 'natural' });
    expect(body.data).toEqual(referenceList([ref], { orderBy: 'updatedAt', orderDir: 'desc' }).slice(0, 10));
  });

  it('createdAt desc is its one switch (order_date_created=1, 1 call); createdAt asc has none: read whole, still exact', async () => {
    const desc = await list('orderBy=createdAt&orderDir=desc&limit=10&explain=true');
    expect(desc.calls).toHaveLength(1);
    expect(desc.calls[0]!.query.get('order_date_created')).toBe('1');
    expect(desc.body.plan[0]).toMatchObject({ read: 'lazy', order: 'pushed' });
    expect(desc.body.data).toEqual(referenceList([ref], { orderBy: 'createdAt', orderDir: 'desc' }).slice(0, 10));
    const asc = await list('orderBy=createdAt&orderDir=asc&limit=10&explain=true');
    expect(asc.calls.length).toBe(2); // 50, then a short page of 7: every conversation
    expect(asc.calls.every((c) => !c.query.has('order_date_created'))).toBe(true);
    expect(asc.body.plan[0]).toMatchObject({ read: 'whole', order: 'local' });
    expect(asc.body.data).toEqual(referenceList([ref], { orderBy: 'createdAt', orderDir: 'asc' }).slice(0, 10));
    expect(asc.body.total).toBe(data.length);
  });

  it('with no status filter sends neither flag and reads everything (a short page ends the read)', async () => {
    const { body, calls } = await list('limit=100');
    expect(calls.map((c) => [c.query.get('filter_resolved'), c.query.get('filter_not_resolved'), c.query.get('per_page')])).toEqual([[null, null, '50'], [null, null, '50']]);
    expect(body.data).toEqual(referenceList([ref], {}));
    expect(body.total).toBe(data.length);
  });
});

describe('crisply: minPageSize', () => {
  // A lazy read in an order the vendor gives: createdAt desc is its order_date_created=1 switch.
  const data = crisplySimulator.demoData(6, 57);
  const ref = { name: 'crisply', module: crisplySimulator, data, vendorSearch: false };
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ vendors: [{ name: 'crisply', module: crisplySimulator, configFile: dialectVendors.crisply.configFile }], data: { crisply: data } });
  });
  afterAll(async () => h?.close());

  it('limit=7 asks per_page=20 (the vendor refuses fewer) and keeps 7, in 1 call', async () => {
    const sim = h.sims.get('crisply')!;
    const res = await h.get('/conversations?orderBy=createdAt&orderDir=desc&limit=7&explain=true');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.plan[0]).toMatchObject({ read: 'lazy' });
    expect(sim.calls).toHaveLength(1);
    expect(sim.calls[0]!.query.get('per_page')).toBe('20');
    expect(sim.calls[0]!.query.get('order_date_created')).toBe('1');
    expect(res.body.data).toEqual(referenceList([ref], { orderBy: 'createdAt', orderDir: 'desc' }).slice(0, 7));
  });
});
