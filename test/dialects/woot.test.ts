/**
 * Woot: its simulator over raw HTTP (the dialect itself), then through the gateway's HTTP API with calls
 * counted at the simulator: a vendor that answers only open conversations unless `status=all` is sent,
 * read exactly because its status filter says `whenAbsent: all`, and not without it.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../sim/kit.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { referenceList } from '../helpers/reference.js';
import { get } from '../sim/helpers.js';
import { dialectVendors } from './index.js';
import { statusOf, WOOT_PAGE_SIZE, wootSimulator } from './woot.js';

const TOKEN = 'woot-token';
const creds = { header: { name: 'api_access_token', value: TOKEN }, query: {} };
const AUTH = { api_access_token: TOKEN };
const PATH = '/api/v1/accounts/1/conversations';

describe('woot simulator', () => {
  const demo = wootSimulator.demoData(4, 60);
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator(wootSimulator.behaviour(creds), { data: demo });
  });
  afterAll(async () => sim.close());

  const answer = async (query: Record<string, string> = {}) => {
    const r = await get(sim.url, PATH, query, AUTH);
    expect(r.status, r.text).toBe(200);
    return r.json().data as { meta: { all_count: number }; payload: { uuid: string; status: string }[] };
  };
  const uuids = (d: { payload: { uuid: string }[] }) => d.payload.map((p) => p.uuid);
  const open = demo.filter((c) => c.status === 'open');

  it('refuses a missing or wrong token with 401', async () => {
    for (const headers of [{}, { api_access_token: 'nope' }] as Record<string, string>[]) {
      const r = await get(sim.url, PATH, {}, headers);
      expect(r.status).toBe(401);
      expect(r.json()).toEqual({ error: 'You need to sign in or sign up before continuing.' });
    }
  });

  it('answers only open conversations when no status is sent, newest activity first, 25 a page', async () => {
    const d = await answer();
    expect(d.meta.all_count).toBe(open.length);
    expect(uuids(d)).toEqual([...open].sort((a, b) => b.lastActivityAt - a.lastActivityAt).slice(0, WOOT_PAGE_SIZE).map((c) => c.id));
    expect(new Set(d.payload.map((p) => p.status))).toEqual(new Set(['open']));
  });

  it('answers every conversation with status=all and the closed ones with status=resolved, each with its total', async () => {
    expect((await answer({ status: 'all' })).meta.all_count).toBe(demo.length);
    const resolved = await answer({ status: 'resolved', sort_by: 'created_at_asc' });
    const closed = demo.filter((c) => statusOf(c) === 'resolved');
    expect(resolved.meta.all_count).toBe(closed.length);
    expect(uuids(resolved)).toEqual([...closed].sort((a, b) => a.createdAt - b.createdAt).slice(0, WOOT_PAGE_SIZE).map((c) => c.id));
  });

  it('pages by number and takes sort_by in both directions', async () => {
    const seen: string[] = [];
    for (let page = 1; page <= 3; page++) seen.push(...uuids(await answer({ status: 'all', page: String(page), sort_by: 'last_activity_at_asc' })));
    expect(seen).toEqual([...demo].sort((a, b) => a.lastActivityAt - b.lastActivityAt).map((c) => c.id));
    expect(uuids(await answer({ status: 'all', page: '4' }))).toEqual([]);
    expect(uuids(await answer({ status: 'all', sort_by: 'created_at_desc' }))).toEqual([...demo].sort((a, b) => b.createdAt - a.createdAt).slice(0, 25).map((c) => c.id));
  });

  it.each([[{ status: 'closed' }, /status/], [{ sort_by: 'title' }, /sort_by/], [{ page: '0' }, /page/]])('answers %j with a 400', async (query, message) => {
    const r = await get(sim.url, PATH, query, AUTH);
    expect(r.status).toBe(400);
    expect(r.json().error).toMatch(message);
  });
});

describe('woot through the gateway: whenAbsent, calls counted at the simulator', () => {
  const data = wootSimulator.demoData(8, 57);
  const ref = { name: 'woot', module: wootSimulator, data, vendorSearch: false };
  const closedCount = data.filter((c) => c.status === 'closed').length;
  let h: Harness;
  let bare: Harness;
  let dir: string;
  beforeAll(async () => {
    expect(closedCount).toBeGreaterThan(0);
    h = await startHarness({ vendors: [{ name: 'woot', ...dialectVendors.woot }], data: { woot: data } });
    // The same YAML without whenAbsent: what a config that forgot it would read.
    dir = await mkdtemp(join(tmpdir(), 'woot-'));
    const yaml = await readFile(dialectVendors.woot.configFile, 'utf8');
    const without = yaml.replace(', whenAbsent: all }', ' }');
    expect(without).not.toEqual(yaml);
    await writeFile(join(dir, 'woot.yaml'), without);
    bare = await startHarness({ vendors: [{ name: 'woot', module: wootSimulator, configFile: join(dir, 'woot.yaml') }], data: { woot: data } });
  });
  afterAll(async () => {
    await Promise.all([h?.close(), bare?.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  const list = async (g: Harness, qs: string) => {
    const sim = g.sims.get('woot')!;
    const before = sim.calls.length;
    const res = await g.get(`/conversations?${qs}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return { body: res.body, statuses: sim.calls.slice(before).map((c) => c.query.get('status')) };
  };

  it.each([
    ['closed', 'resolved', 'status ← status=closed'],
    ['open', 'open', 'status ← status=open'],
  ] as const)('status=%s sends status=%s: exact, with an exact total', async (status, sent, carrier) => {
    const want = referenceList([ref], { status });
    const { body, statuses } = await list(h, `status=${status}&limit=100&explain=true`);
    expect(new Set(statuses)).toEqual(new Set([sent]));
    expect(statuses.length).toBe(Math.ceil(want.length / WOOT_PAGE_SIZE) || 1);
    expect(body.data).toEqual(want);
    expect(body.total).toBe(want.length);
    expect(body.plan[0].filterParams).toEqual([carrier]);
  });

  it('with no status filter sends status=all: every conversation, with an exact total', async () => {
    const { body, statuses } = await list(h, 'limit=100&explain=true');
    expect(statuses).toEqual(['all', 'all', 'all']);
    expect(body.data).toEqual(referenceList([ref], {}));
    expect(body.total).toBe(data.length);
    expect(body.plan[0]).toMatchObject({ pushedFilters: [], filterParams: ['status ← status (absent: all)'] });
  });

  it('a first page in its natural order (lastActivityAt desc, the default) costs 1 call: no sort_by sent', async () => {
    const sim = h.sims.get('woot')!;
    const before = sim.calls.length;
    const { body } = await list(h, 'limit=10&explain=true');
    const calls = sim.calls.slice(before);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.query.has('sort_by')).toBe(false);
    expect(calls[0]!.query.get('status')).toBe('all');
    expect(body.plan[0]).toMatchObject({ read: 'lazy', order: 'natural' });
    expect(body.data).toEqual(referenceList([ref], {}).slice(0, 10));
    expect(body.total).toBe(data.length);
  });

  it.each([
    ['lastActivityAt', 'asc', 'last_activity_at_asc'],
    ['createdAt', 'desc', 'created_at_desc'],
    ['createdAt', 'asc', 'created_at_asc'],
  ] as const)('orderBy=%s&orderDir=%s selects sort_by=%s: 1 call, exact', async (orderBy, orderDir, sortBy) => {
    const sim = h.sims.get('woot')!;
    const before = sim.calls.length;
    const { body } = await list(h, `orderBy=${orderBy}&orderDir=${orderDir}&limit=10&explain=true`);
    const calls = sim.calls.slice(before);
    expect(calls.map((c) => c.query.get('sort_by'))).toEqual([sortBy]);
    expect(body.plan[0]).toMatchObject({ read: 'lazy', order: 'pushed' });
    expect(body.data).toEqual(referenceList([ref], { orderBy, orderDir }).slice(0, 10));
  });

  it('without whenAbsent the same YAML silently loses every closed conversation (why the key exists)', async () => {
    const { body, statuses } = await list(bare, 'limit=100');
    expect(statuses.every((s) => s === null)).toBe(true);
    const open = referenceList([ref], { status: 'open' });
    expect(body.data).toEqual(open);
    expect(body.total).toBe(data.length - closedCount);
    // The closed ones are still there when asked for by status: only the unfiltered read lost them.
    expect((await list(bare, 'status=closed&limit=100')).body.total).toBe(closedCount);
  });
});
