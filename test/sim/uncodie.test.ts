import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Conversation } from '../../src/model/conversation.js';
import type { CanonicalConversation } from '../../sim/canonical.js';
import { startSimulator, type Simulator } from '../../sim/kit.js';
import { carriesMessages, uncodieSimulator } from '../../sim/uncodie.js';
import { conv, get } from './helpers.js';

const PATH = '/api/agents/customerSupport/conversations';
const SITE = '9be0a6a2-5567-41bf-ad06-cb4014f0faf2';
const KEY = { 'x-api-key': 'secret-key' };
const creds = { header: { name: 'x-api-key', value: 'secret-key' }, query: { site_id: SITE } };

const LEAD_A = 'f41bb290-0404-44d7-a969-b21a7ec65b77';
const LEAD_B = 'a41bb290-0404-44d7-a969-b21a7ec65b77';
const VISITOR_X = 'b1b2c3d4-e5f6-4a8b-9c0d-1e2f3a4b5c6d';
const T = Date.UTC(2024, 2, 1);

/** Hand-made rows: equal created_at (ties), lead/visitor combinations, updated_at disagreeing with created_at. */
const crafted: CanonicalConversation[] = [
  conv({ id: 'e-3', leadId: LEAD_A, createdAt: T, updatedAt: T + 9_000 }),
  conv({ id: 'e-1', leadId: LEAD_A, createdAt: T, updatedAt: T + 1_000 }),
  conv({ id: 'e-2', leadId: LEAD_B, visitorId: VISITOR_X, createdAt: T + 5_000, updatedAt: T + 5_000 }),
  conv({ id: 'e-4', leadId: LEAD_B, createdAt: T - 5_000, updatedAt: T + 60_000, messages: [] }),
];

const demo = uncodieSimulator.demoData(7, 60);
let sim: Simulator;
let open: Simulator;
let craftedSim: Simulator;

beforeAll(async () => {
  sim = await startSimulator(uncodieSimulator.behaviour(creds), { data: demo });
  open = await startSimulator(uncodieSimulator.behaviour({ query: { site_id: SITE } }), { data: demo });
  craftedSim = await startSimulator(uncodieSimulator.behaviour(creds), { data: crafted });
});
afterAll(async () => {
  await Promise.all([sim.close(), open.close(), craftedSim.close()]);
});

const ids = (body: { data: { conversations: { id: string }[] } }) => body.data.conversations.map((c) => c.id);

/** Every row of the whole data set, page by page. */
async function all(s: Simulator, query: Record<string, string>, limit = 100) {
  const rows = [];
  for (let offset = 0; ; offset += limit) {
    const body = (await get(s.url, PATH, { ...query, limit: String(limit), offset: String(offset) }, KEY)).json();
    rows.push(...body.data.conversations);
    if (offset + limit >= body.data.pagination.total) return rows;
  }
}

describe('uncodie simulator: scope and validation', () => {
  it('requires at least one of lead_id, visitor_id, user_id, site_id', async () => {
    const r = await get(sim.url, PATH, { limit: '5' }, KEY);
    expect(r.status).toBe(400);
    expect(r.json()).toEqual({
      success: false,
      error: { code: 'INVALID_REQUEST', message: 'At least one of lead_id, visitor_id, user_id, or site_id is required' },
    });
  });

  it('treats an empty scope value as absent', async () => {
    expect((await get(sim.url, PATH, { site_id: '' }, KEY)).status).toBe(400);
  });

  it.each([
    ['lead_id', 'not-a-uuid'],
    ['site_id', '0190b3c1-7c2e-7d3a-9f00-123456789abc'], // UUIDv7: version digit 7
    ['visitor_id', 'f41bb290-0404-44d7-c969-b21a7ec65b77'], // variant c
    ['user_id', 'f41bb290-0404-04d7-a969-b21a7ec65b77'], // version 0
  ])('rejects %s=%s as not a strict UUID', async (name, value) => {
    const r = await get(sim.url, PATH, { site_id: SITE, [name]: value }, KEY);
    expect(r.status).toBe(400);
    expect(r.json()).toEqual({ success: false, error: { code: 'INVALID_REQUEST', message: `Invalid UUID format for ${name}` } });
  });

  it.each([['0'], ['101'], ['ten'], ['2.5'], ['-1']])('rejects limit=%s', async (limit) => {
    const r = await get(sim.url, PATH, { site_id: SITE, limit }, KEY);
    expect(r.status).toBe(400);
    expect(r.json().error.code).toBe('INVALID_REQUEST');
  });

  it('rejects a negative offset', async () => {
    const r = await get(sim.url, PATH, { site_id: SITE, offset: '-1' }, KEY);
    expect(r.status).toBe(400);
    expect(r.json()).toMatchObject({ success: false, error: { code: 'INVALID_REQUEST' } });
  });

  it('answers an empty list for another site', async () => {
    const r = await get(sim.url, PATH, { site_id: '9be0a6a2-5567-41bf-ad06-cb4014f0fa00' }, KEY);
    expect(r.status).toBe(200);
    expect(r.json()).toEqual({ success: true, data: { conversations: [], pagination: { limit: 10, offset: 0, total: 0 } } });
  });

  it('matches the configured site case-insensitively', async () => {
    const r = await get(sim.url, PATH, { site_id: SITE.toUpperCase() }, KEY);
    expect(r.json().data.pagination.total).toBe(demo.length);
  });
});

describe('uncodie simulator: filters, order, paging', () => {
  it('defaults to limit 10 offset 0 with the exact total', async () => {
    const body = (await get(sim.url, PATH, { site_id: SITE }, KEY)).json();
    expect(body.success).toBe(true);
    expect(body.data.pagination).toEqual({ limit: 10, offset: 0, total: 60 });
    expect(body.data.conversations).toHaveLength(10);
  });

  it('orders by created_at descending (not updated_at), ties by id ascending', async () => {
    const body = (await get(craftedSim.url, PATH, { site_id: SITE }, KEY)).json();
    // e-4 has the latest updated_at but the earliest created_at: it must come last.
    expect(ids(body)).toEqual(['e-2', 'e-1', 'e-3', 'e-4']);
  });

  it('orders the whole demo set by created_at descending', async () => {
    const rows = await all(sim, { site_id: SITE });
    const want = [...demo].sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1)).map((c) => c.id);
    expect(rows.map((r: { id: string }) => r.id)).toEqual(want);
  });

  it('pages with limit and offset without gaps or repeats', async () => {
    const whole = await all(sim, { site_id: SITE });
    const paged = await all(sim, { site_id: SITE }, 7);
    expect(paged.map((r: { id: string }) => r.id)).toEqual(whole.map((r: { id: string }) => r.id));
    const tail = (await get(sim.url, PATH, { site_id: SITE, limit: '7', offset: '56' }, KEY)).json();
    expect(tail.data.conversations).toHaveLength(4);
    expect(tail.data.pagination).toEqual({ limit: 7, offset: 56, total: 60 });
  });

  it('filters by lead_id, visitor_id and user_id', async () => {
    const lead = demo[0]!.leadId;
    const byLead = await all(sim, { lead_id: lead });
    expect(byLead.map((r: { id: string }) => r.id).sort()).toEqual(demo.filter((c) => c.leadId === lead).map((c) => c.id).sort());
    expect(byLead.length).toBeGreaterThan(1);

    const v = (await get(sim.url, PATH, { visitor_id: demo[3]!.visitorId }, KEY)).json();
    expect(ids(v)).toEqual([demo[3]!.id]);
    const u = (await get(sim.url, PATH, { user_id: demo[4]!.userId, site_id: SITE }, KEY)).json();
    expect(ids(u)).toEqual([demo[4]!.id]);
  });

  it('uses lead_id only when both lead_id and visitor_id are sent', async () => {
    // VISITOR_X belongs to e-2 (lead B); with lead A as well, the visitor is ignored.
    const both = (await get(craftedSim.url, PATH, { lead_id: LEAD_A, visitor_id: VISITOR_X }, KEY)).json();
    expect(ids(both)).toEqual(['e-1', 'e-3']);
    const visitorOnly = (await get(craftedSim.url, PATH, { visitor_id: VISITOR_X }, KEY)).json();
    expect(ids(visitorOnly)).toEqual(['e-2']);
  });

  it('ignores undocumented parameters', async () => {
    const plain = (await get(sim.url, PATH, { site_id: SITE }, KEY)).json();
    const extra = (await get(sim.url, PATH, { site_id: SITE, agent_id: 'x', status: 'closed', channel: 'mail', sort: 'asc' }, KEY)).json();
    expect(extra).toEqual(plain);
  });
});

describe('uncodie simulator: rows', () => {
  it('renders timestamps without milliseconds and two roles', async () => {
    const [row] = (await get(craftedSim.url, PATH, { site_id: SITE, limit: '1' }, KEY)).json().data.conversations;
    const c = crafted[2]!;
    expect(row).toMatchObject({
      id: 'e-2',
      title: c.title,
      created_at: new Date(c.createdAt).toISOString().replace('.000Z', 'Z'),
      updated_at: new Date(c.updatedAt).toISOString().replace('.000Z', 'Z'),
      lead_id: LEAD_B,
      visitor_id: VISITOR_X,
      user_id: c.userId,
      agent_id: 'agent-1',
      message_count: 2,
      last_message: { content: 'Let me check that for you', role: 'assistant', created_at: expect.stringMatching(/:\d\dZ$/) },
    });
  });

  it('gives last_message null for a conversation without messages', async () => {
    const rows = (await get(craftedSim.url, PATH, { lead_id: LEAD_B }, KEY)).json().data.conversations;
    expect(rows.find((r: { id: string }) => r.id === 'e-4')).toMatchObject({ message_count: 0, last_message: null });
  });

  it('gives every message on about one row in ten, and only those', async () => {
    const rows = await all(sim, { site_id: SITE });
    const withMessages = rows.filter((r: Record<string, unknown>) => 'messages' in r);
    expect(withMessages.length).toBeGreaterThan(0);
    expect(withMessages.length).toBeLessThanOrEqual(12);
    expect(withMessages.map((r: { id: string }) => r.id).sort()).toEqual(demo.filter(carriesMessages).map((c) => c.id).sort());
    const row = withMessages[0];
    const c = demo.find((x) => x.id === row.id)!;
    expect(row.messages).toEqual(
      c.messages.map((m) => ({
        id: m.id,
        content: m.text,
        role: m.author === 'customer' ? 'user' : 'assistant',
        created_at: new Date(m.createdAt).toISOString().replace('.000Z', 'Z'),
      })),
    );
  });
});

/** A minimal reader of Uncodie's dialect, to check the oracle says what the rows say. */
function read(row: any, messages: boolean): Conversation {
  const ts = (s: string) => new Date(s).toISOString();
  const msg = (m: any) => ({ text: m.content, author: m.role === 'user' ? 'customer' : 'agent', createdAt: ts(m.created_at) }) as const;
  return {
    id: `uncodie:${row.id}`,
    vendor: 'uncodie',
    externalId: row.id,
    title: row.title,
    status: null,
    channel: null,
    createdAt: ts(row.created_at),
    updatedAt: ts(row.updated_at),
    lastActivityAt: ts(row.updated_at),
    closedAt: null,
    handledBy: null,
    agent: { id: row.agent_id, name: null },
    contact: null,
    messageCount: row.message_count,
    lastMessage: row.last_message && msg(row.last_message),
    ...(messages ? { messages: row.messages ? row.messages.map((m: any) => ({ id: m.id, ...msg(m) })) : null } : {}),
  };
}

describe('uncodie simulator: expected()', () => {
  it.each([false, true])('agrees with the rendered rows (messages: %s)', async (messages) => {
    const rows = await all(sim, { site_id: SITE });
    for (const row of rows) {
      const c = demo.find((x) => x.id === row.id)!;
      expect(uncodieSimulator.expected(c, 'uncodie', { messages })).toStrictEqual(read(row, messages));
    }
  });

  it('omits messages unless asked, and has no raw', () => {
    const e = uncodieSimulator.expected(demo[0]!, 'unc', { messages: false });
    expect(Object.keys(e)).not.toContain('messages');
    expect(Object.keys(e)).not.toContain('raw');
    expect(e).toMatchObject({ id: `unc:${demo[0]!.id}`, externalId: demo[0]!.id, status: null, lastActivityAt: e.updatedAt });
  });

  it('gives messages null for a row without them when asked', () => {
    const c = demo.find((x) => !carriesMessages(x))!;
    expect(uncodieSimulator.expected(c, 'uncodie', { messages: true }).messages).toBeNull();
  });

  it('demo data uses strict UUIDs the vendor accepts', () => {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
    for (const c of demo) for (const k of [c.id, c.leadId, c.visitorId, c.userId]) expect(k).toMatch(uuid);
  });
});

describe('uncodie simulator: auth and Origin', () => {
  it('answers 403 with an empty body to any request with an Origin header, even with a good key', async () => {
    const r = await get(sim.url, PATH, { site_id: SITE }, { ...KEY, origin: 'https://app.example.com' });
    expect(r.status).toBe(403);
    expect(r.text).toBe('');
  });

  it('accepts the x-api-key header or a Bearer token', async () => {
    expect((await get(sim.url, PATH, { site_id: SITE }, KEY)).status).toBe(200);
    expect((await get(sim.url, PATH, { site_id: SITE }, { authorization: 'Bearer secret-key' })).status).toBe(200);
  });

  it.each([[{}], [{ 'x-api-key': 'wrong' }], [{ authorization: 'Bearer wrong' }]])('rejects %j with 401', async (headers) => {
    const r = await get(sim.url, PATH, { site_id: SITE }, headers);
    expect(r.status).toBe(401);
    expect(r.json()).toEqual({ success: false, error: { code: 'INVALID_API_KEY', message: 'Invalid API key' } });
  });

  it('needs no key when none is configured', async () => {
    expect((await get(open.url, PATH, { site_id: SITE })).status).toBe(200);
  });
});

describe('uncodie simulator: faults', () => {
  const withFault = async (fault: Simulator['fault']) => {
    sim.fault = fault;
    try {
      return await get(sim.url, PATH, { site_id: SITE }, KEY);
    } finally {
      sim.fault = null;
    }
  };

  it('rate limit: 429 RATE_LIMITED with retry_after and a Retry-After header', async () => {
    const r = await withFault({ kind: 'rateLimit', retryAfter: 7 });
    expect(r.status).toBe(429);
    expect(r.headers['retry-after']).toBe('7');
    expect(r.json()).toEqual({ success: false, error: { code: 'RATE_LIMITED', message: 'Too many requests' }, retry_after: 7 });
  });

  it('rate limit without header: retry_after in the body only', async () => {
    const r = await withFault({ kind: 'rateLimit', retryAfter: 12, header: false });
    expect(r.status).toBe(429);
    expect(r.headers['retry-after']).toBeUndefined();
    expect(r.json().retry_after).toBe(12);
  });

  it('unavailable: 503 RATE_LIMIT_UNAVAILABLE with Retry-After 30', async () => {
    const r = await withFault({ kind: 'unavailable' });
    expect(r.status).toBe(503);
    expect(r.headers['retry-after']).toBe('30');
    expect(r.json()).toEqual({ success: false, error: { code: 'RATE_LIMIT_UNAVAILABLE', message: 'Rate limiter unavailable' } });
  });

  it('internal: 500 DATABASE_ERROR', async () => {
    const r = await withFault({ kind: 'internal' });
    expect(r.status).toBe(500);
    expect(r.json()).toEqual({ success: false, error: { code: 'DATABASE_ERROR', message: 'Error querying conversations' } });
  });

  it('auth: 401 INVALID_API_KEY even with a good key', async () => {
    const r = await withFault({ kind: 'auth' });
    expect(r.status).toBe(401);
    expect(r.json().error.code).toBe('INVALID_API_KEY');
  });

  it('recovers once the fault is cleared', async () => {
    await withFault({ kind: 'internal' });
    expect((await get(sim.url, PATH, { site_id: SITE }, KEY)).status).toBe(200);
  });
});
