/** The Cursorly simulator over raw HTTP: the dialect itself, independent of the YAML that reads it. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CanonicalConversation } from '../../sim/canonical.js';
import { startSimulator, type Simulator } from '../../sim/kit.js';
import { conv, get } from '../sim/helpers.js';
import { cursorlySimulator, encodeCursor } from './cursorly.js';

const PATH = '/v3/threads';
const basic = (user: string, pass: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` });
const AUTH = basic('cl-user', 'cl-pass');
const creds = { basic: { username: 'cl-user', password: 'cl-pass' }, query: {} };
const T = Date.UTC(2024, 5, 1);

/** Ties on activity in a non-id order, a closed human thread, every role, and no messages at all. */
const crafted: CanonicalConversation[] = [
  conv({ id: 't-b', lastActivityAt: T, createdAt: T - 3000 }),
  conv({ id: 't-a', lastActivityAt: T, createdAt: T - 2000, contact: { name: 'Zoë Quinn', email: 'zoe@example.com', phone: '+4412345' } }),
  conv({ id: 't-c', lastActivityAt: T, createdAt: T - 1000, title: 'Refund for order 9' }),
  conv({
    id: 't-closed',
    createdAt: T - 1000,
    lastActivityAt: T + 5000,
    status: 'closed',
    closedAt: T + 6000,
    handledBy: 'human',
    agent: { id: 'agent-7', name: 'Maria Human' },
    messages: [{ id: 'hm', text: 'I took over', author: 'human_agent', createdAt: T + 5000 }],
  }),
  conv({ id: 't-sys', lastActivityAt: T - 5000, messages: [{ id: 'sm', text: 'Chat started', author: 'system', createdAt: T - 5000 }] }),
  conv({ id: 't-empty', lastActivityAt: T - 9000, messages: [] }),
];

const demo = cursorlySimulator.demoData(9, 60);
let sim: Simulator;
let craftedSim: Simulator;

beforeAll(async () => {
  sim = await startSimulator(cursorlySimulator.behaviour(creds), { data: demo });
  craftedSim = await startSimulator(cursorlySimulator.behaviour(creds), { data: crafted });
});
afterAll(async () => {
  await Promise.all([sim.close(), craftedSim.close()]);
});

const list = async (s: Simulator, query: Record<string, string> = {}) => {
  const r = await get(s.url, PATH, query, AUTH);
  expect(r.status, r.text).toBe(200);
  return r.json();
};
const ids = (body: { data: { thread_id: string }[] }) => body.data.map((r) => r.thread_id);
const rejected = async (query: Record<string, string>, message: RegExp) => {
  const r = await get(sim.url, PATH, query, AUTH);
  expect(r.status).toBe(400);
  expect(r.json()).toEqual({ type: 'error.list', errors: [{ code: 'parameter_invalid', message: expect.stringMatching(message) }] });
};

describe('cursorly simulator: auth', () => {
  it.each([[{}], [basic('cl-user', 'nope')], [{ authorization: 'Bearer cl-pass' }], [{ authorization: 'Basic !!!' }]])(
    'answers %j with 401 unauthorized',
    async (headers) => {
      const r = await get(sim.url, PATH, {}, headers);
      expect(r.status).toBe(401);
      expect(r.json()).toEqual({ type: 'error.list', errors: [{ code: 'unauthorized', message: 'Invalid API credentials' }] });
    },
  );
});

describe('cursorly simulator: cursors', () => {
  it('defaults to 25, created_at desc, with has_more and an opaque next_cursor and no total', async () => {
    const body = await list(sim);
    expect(Object.keys(body).sort()).toEqual(['data', 'has_more', 'next_cursor', 'object']);
    expect(body).toMatchObject({ object: 'list', has_more: true });
    expect(ids(body)).toEqual([...demo].sort((a, b) => b.createdAt - a.createdAt).slice(0, 25).map((c) => c.id));
    expect(body.next_cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(body.next_cursor).not.toContain('25');
  });

  it('follows next_cursor to the end without gaps or repeats, changing limit on the way', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 20; i++) {
      const body = await list(sim, { limit: String(7 + i), order: 'updated_at', dir: 'asc', ...(cursor ? { starting_after: cursor } : {}) });
      seen.push(...ids(body));
      expect(body.has_more).toBe(body.next_cursor !== null);
      cursor = body.next_cursor;
      if (!cursor) break;
    }
    expect(seen).toEqual([...demo].sort((a, b) => a.updatedAt - b.updatedAt).map((c) => c.id));
  });

  it('ends with has_more false and next_cursor null', async () => {
    expect(await list(craftedSim, { limit: '6' })).toMatchObject({ has_more: false, next_cursor: null });
  });

  it('refuses malformed, tampered and re-targeted cursors', async () => {
    const good: string = (await list(sim, { limit: '5' })).next_cursor;
    const bad = [
      'abc',
      '5',
      Buffer.from('{"o":5}').toString('base64url'),
      Buffer.from(JSON.stringify({ o: 6, s: JSON.parse(Buffer.from(good, 'base64url').toString()).s })).toString('base64url'),
      encodeCursor(-1, 'x'),
    ];
    for (const c of bad) await rejected({ starting_after: c }, /starting_after/);
    // A cursor belongs to its query: the same cursor with another filter is refused.
    await rejected({ starting_after: good, status: 'open' }, /starting_after/);
    expect(ids(await list(sim, { starting_after: good, limit: '100' }))).toHaveLength(55);
  });

  it.each([
    ['limit', '0'],
    ['limit', '101'],
    ['limit', 'x'],
    ['order', 'createdAt'],
    ['dir', 'DESC'],
    ['status', 'resolved'],
    ['created_gte', '2024-01-01'],
    ['created_lt', '1.5'],
  ])('rejects %s=%s with 400 parameter_invalid', async (name, value) => {
    await rejected({ [name]: value }, new RegExp(name));
  });
});

describe('cursorly simulator: order and filters', () => {
  it('keeps ties in insertion order, in both directions', async () => {
    expect(ids(await list(craftedSim, { order: 'last_activity_at', dir: 'desc' }))).toEqual(['t-closed', 't-b', 't-a', 't-c', 't-sys', 't-empty']);
    expect(ids(await list(craftedSim, { order: 'last_activity_at', dir: 'asc' }))).toEqual(['t-empty', 't-sys', 't-b', 't-a', 't-c', 't-closed']);
  });

  it('created_gte is inclusive and created_lt exclusive, in ms', async () => {
    const q = { order: 'created_at', dir: 'asc' };
    expect(ids(await list(craftedSim, { ...q, created_gte: String(T - 2000), created_lt: String(T - 1000) }))).toEqual(['t-a']);
    expect(ids(await list(craftedSim, { ...q, created_gte: String(T - 1000), created_lt: String(T - 999) }))).toEqual(['t-c', 't-closed']);
  });

  it('filters status and assignee_id', async () => {
    expect(ids(await list(craftedSim, { status: 'closed' }))).toEqual(['t-closed']);
    expect(ids(await list(craftedSim, { assignee_id: 'agent-7' }))).toEqual(['t-closed']);
    const open = await list(sim, { status: 'open', limit: '100' });
    expect(ids(open).sort()).toEqual(demo.filter((c) => c.status === 'open').map((c) => c.id).sort());
  });

  it.each([
    ['refund', ['t-c']],
    ['ZOË', ['t-a']],
    ['ZOE@EXAMPLE', ['t-a']],
    ['+4412', ['t-a']],
    ['took over', ['t-closed']],
    // Only the last message is searched: t-b's first message says this, its last one doesn't.
    ['where is my order', []],
  ])('q=%s searches subject, customer and last message, ignoring case', async (q, want) => {
    expect(ids(await list(craftedSim, { q })).sort()).toEqual(want);
  });
});

describe('cursorly simulator: rows', () => {
  it('renders ms, the owner, the customer and the last message', async () => {
    const c = crafted[3]!;
    const row = (await list(craftedSim, { order: 'last_activity_at' })).data[0];
    expect(row).toEqual({
      object: 'thread',
      thread_id: 't-closed',
      subject: c.title,
      status: 'closed',
      source: 'website',
      created: T - 1000,
      updated: c.updatedAt,
      last_activity: T + 5000,
      closed: T + 6000,
      owner: { id: 'agent-7', name: 'Maria Human' },
      customer: { name: c.contact.name, email: c.contact.email, phone: c.contact.phone },
      last_message: { text: 'I took over', role: 'human', at: T + 5000 },
      handled_by: 'human',
      messages_total: 1,
    });
  });

  it('gives each author its role, and null last_message and closed where there are none', async () => {
    const rows = (await list(craftedSim)).data;
    const by = (id: string) => rows.find((r: { thread_id: string }) => r.thread_id === id);
    expect(by('t-sys').last_message.role).toBe('system');
    expect(by('t-b').last_message.role).toBe('ai');
    expect(by('t-empty')).toMatchObject({ last_message: null, closed: null, messages_total: 0 });
  });

  it('searchText is what q looks in', () => {
    expect(cursorlySimulator.searchText!(crafted[0]!)).not.toContain('Where is my order?');
    expect(cursorlySimulator.searchText!(crafted[0]!)).toContain('Let me check that for you');
  });
});

describe('cursorly simulator: faults', () => {
  const withFault = async (fault: Simulator['fault']) => {
    sim.fault = fault;
    try {
      return await get(sim.url, PATH, {}, AUTH);
    } finally {
      sim.fault = null;
    }
  };

  it('rate limit: 429 rate_limited with Retry-After only when asked', async () => {
    const r = await withFault({ kind: 'rateLimit', retryAfter: 9 });
    expect([r.status, r.headers['retry-after'], r.json().errors[0].code]).toEqual([429, '9', 'rate_limited']);
    expect((await withFault({ kind: 'rateLimit', header: false })).headers['retry-after']).toBeUndefined();
  });

  it.each([
    ['unavailable', 503, 'service_unavailable'],
    ['internal', 500, 'server_error'],
    ['auth', 401, 'unauthorized'],
  ] as const)('%s: %i %s in an error.list', async (kind, status, code) => {
    const r = await withFault({ kind });
    expect(r.status).toBe(status);
    expect(r.json()).toEqual({ type: 'error.list', errors: [{ code, message: expect.any(String) }] });
  });
});
