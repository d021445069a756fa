/** The Pagebox simulator over raw HTTP: the dialect itself, independent of the YAML that reads it. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CanonicalConversation } from '../../sim/canonical.js';
import { startSimulator, type Simulator } from '../../sim/kit.js';
import { conv, get } from '../sim/helpers.js';
import { pageboxSimulator, stateOf } from './pagebox.js';

const KEY = 'pb-key';
const AUTH = { 'x-pagebox-key': KEY };
const creds = { header: { name: 'X-Pagebox-Key', value: KEY }, query: {} };
const T = Date.UTC(2024, 5, 1);
const at = (page: number | string) => `/api/v1/inbox/conversations/page/${page}`;

/** Ties on activity in a non-id order, every state, every sender, and no messages at all. */
const crafted: CanonicalConversation[] = [
  conv({ id: 'p-b', lastActivityAt: T, channel: 'chat' }),
  conv({ id: 'p-a', lastActivityAt: T, channel: 'email', handledBy: 'human' }),
  conv({ id: 'p-c', lastActivityAt: T, channel: 'chat', status: 'closed', closedAt: T }),
  conv({
    id: 'p-op',
    title: null,
    lastActivityAt: T + 5000,
    handledBy: 'human',
    agent: { id: 'op-7', name: 'Maria Operator' },
    messages: [{ id: 'om', text: 'I took over', author: 'human_agent', createdAt: T + 5000 }],
  }),
  conv({ id: 'p-sys', lastActivityAt: T - 5000, messages: [{ id: 'sm', text: 'Chat started', author: 'system', createdAt: T - 5000 }] }),
  conv({ id: 'p-empty', lastActivityAt: T - 9000, messages: [] }),
];

const demo = pageboxSimulator.demoData(5, 45);
let sim: Simulator;
let craftedSim: Simulator;

beforeAll(async () => {
  sim = await startSimulator(pageboxSimulator.behaviour(creds), { data: demo });
  craftedSim = await startSimulator(pageboxSimulator.behaviour(creds), { data: crafted });
});
afterAll(async () => {
  await Promise.all([sim.close(), craftedSim.close()]);
});

const page = async (s: Simulator, n: number | string = 1, query: Record<string, string> = {}) => {
  const r = await get(s.url, at(n), query, AUTH);
  expect(r.status).toBe(200);
  return r.json().data;
};
const uids = (d: { payload: { uid: string }[] }) => d.payload.map((r) => r.uid);
const rejects = async (path: string, query: Record<string, string>, reason: RegExp) => {
  const r = await get(sim.url, path, query, AUTH);
  expect(r.status).toBe(400);
  expect(r.json()).toEqual({ error: true, reason: expect.stringMatching(reason) });
};

describe('pagebox simulator: auth', () => {
  it.each([[{}], [{ 'x-pagebox-key': 'nope' }], [{ authorization: `Bearer ${KEY}` }]])('answers %j with 401', async (headers) => {
    const r = await get(sim.url, at(1), {}, headers);
    expect(r.status).toBe(401);
    expect(r.json()).toEqual({ error: true, reason: 'invalid or missing X-Pagebox-Key' });
  });
});

describe('pagebox simulator: paging', () => {
  it('defaults to 20 per page, created DESC, with meta', async () => {
    const d = await page(sim);
    expect(d.meta).toEqual({ page: 1, per_page: 20, total: 45 });
    expect(uids(d)).toEqual([...demo].sort((a, b) => b.createdAt - a.createdAt).slice(0, 20).map((c) => c.id));
  });

  it('pages through everything without gaps or repeats, then gives an empty page', async () => {
    const seen: string[] = [];
    for (let n = 1; n <= 5; n++) seen.push(...uids(await page(sim, n, { per_page: '10', sort: 'updated', direction: 'ASC' })));
    expect(seen).toEqual([...demo].sort((a, b) => a.updatedAt - b.updatedAt).map((c) => c.id));
    expect(await page(sim, 6, { per_page: '10' })).toEqual({ meta: { page: 6, per_page: 10, total: 45 }, payload: [] });
  });

  it.each([['0'], ['-1'], ['x'], ['1.5']])('rejects page %s', async (n) => {
    await rejects(at(n), {}, /page/);
  });

  it.each([
    ['per_page', '0'],
    ['per_page', '51'],
    ['per_page', 'ten'],
    ['sort', 'priority'],
    ['direction', 'desc'],
    ['direction', 'asc'],
    ['state', 'open'],
  ])('rejects %s=%s with 400 {error:true, reason}', async (name, value) => {
    await rejects(at(1), { [name]: value }, new RegExp(name));
  });

  it('404s any other path', async () => {
    const r = await get(sim.url, '/api/v1/inbox/conversations', {}, AUTH);
    expect(r.status).toBe(404);
    expect(r.json().error).toBe(true);
  });
});

describe('pagebox simulator: order and filters', () => {
  it('keeps ties in insertion order, in both directions', async () => {
    expect(uids(await page(craftedSim, 1, { sort: 'activity', direction: 'DESC' }))).toEqual(['p-op', 'p-b', 'p-a', 'p-c', 'p-sys', 'p-empty']);
    expect(uids(await page(craftedSim, 1, { sort: 'activity', direction: 'ASC' }))).toEqual(['p-empty', 'p-sys', 'p-b', 'p-a', 'p-c', 'p-op']);
  });

  it.each(['resolved', 'pending', 'snoozed'] as const)('filters state=%s', async (state) => {
    const d = await page(sim, 1, { state, per_page: '50' });
    const want = demo.filter((c) => stateOf(c) === state);
    expect(want.length).toBeGreaterThan(0);
    expect(d.meta.total).toBe(want.length);
    expect(uids(d).sort()).toEqual(want.map((c) => c.id).sort());
  });

  it('splits open into pending (ai) and snoozed (human)', () => {
    expect(crafted.map(stateOf)).toEqual(['pending', 'snoozed', 'resolved', 'snoozed', 'pending', 'pending']);
  });

  it('filters channel exactly', async () => {
    expect(uids(await page(craftedSim, 1, { channel: 'chat' })).sort()).toEqual(['p-b', 'p-c']);
    expect((await page(craftedSim, 1, { channel: 'Chat' })).payload).toEqual([]);
  });
});

describe('pagebox simulator: rows', () => {
  it('renders seconds, the assignee, the requester and the last message', async () => {
    const c = crafted[3]!;
    const row = (await page(craftedSim, 1, { sort: 'activity' })).payload[0];
    expect(row).toEqual({
      uid: 'p-op',
      subject: null,
      state: 'snoozed',
      channel: 'website',
      created_at: c.createdAt / 1000,
      updated_at: c.updatedAt / 1000,
      last_activity_at: (T + 5000) / 1000,
      assignee: { id: 'op-7', display_name: 'Maria Operator' },
      requester: { full_name: c.contact.name, email: c.contact.email, phone: c.contact.phone },
      msg_count: 1,
      last_msg: { body: 'I took over', sender: 'operator', ts: (T + 5000) / 1000 },
      is_human: true,
    });
  });

  it('says bot for system notes and gives null last_msg without messages', async () => {
    const rows = (await page(craftedSim)).payload;
    const by = (uid: string) => rows.find((r: { uid: string }) => r.uid === uid);
    expect(by('p-sys').last_msg.sender).toBe('bot');
    expect(by('p-b').last_msg.sender).toBe('bot');
    expect(by('p-empty')).toMatchObject({ last_msg: null, msg_count: 0 });
  });

  it('expected() has no closedAt, and messages null when asked for (the list gives none)', () => {
    const e = pageboxSimulator.expected(crafted[2]!, 'pbx', { messages: true });
    expect(e).toMatchObject({ id: 'pbx:p-c', vendor: 'pbx', status: 'closed', closedAt: null, messages: null });
    expect(Object.keys(pageboxSimulator.expected(crafted[2]!, 'pbx', { messages: false }))).not.toContain('messages');
  });
});

describe('pagebox simulator: faults', () => {
  const withFault = async (fault: Simulator['fault']) => {
    sim.fault = fault;
    try {
      return await get(sim.url, at(1), {}, AUTH);
    } finally {
      sim.fault = null;
    }
  };

  it('rate limit: 429 with Retry-After only when asked', async () => {
    const r = await withFault({ kind: 'rateLimit', retryAfter: 9 });
    expect([r.status, r.headers['retry-after'], r.json()]).toEqual([429, '9', { error: true, reason: 'too many requests' }]);
    expect((await withFault({ kind: 'rateLimit', header: false })).headers['retry-after']).toBeUndefined();
  });

  it.each([
    ['unavailable', 503],
    ['internal', 500],
    ['auth', 401],
  ] as const)('%s: %i with {error:true, reason}', async (kind, status) => {
    const r = await withFault({ kind });
    expect(r.status).toBe(status);
    expect(r.json()).toEqual({ error: true, reason: expect.any(String) });
  });
});
