import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Conversation } from '../../src/model/conversation.js';
import type { CanonicalConversation } from '../../sim/canonical.js';
import { startSimulator, type Simulator } from '../../sim/kit.js';
import { siteassistBehaviour, siteassistSimulator } from '../../sim/siteassist.js';
import { conv, get } from './helpers.js';

const PATH = '/v2/conversations';
const AUTH = { authorization: 'Bearer sa-token' };
const creds = { bearer: 'sa-token', query: {} };
const T = Date.UTC(2024, 5, 1);

/** Ties on lastActivityAt in a non-id order, nulls in closedAt and title, every message role. */
const crafted: CanonicalConversation[] = [
  conv({ id: 'k-b', lastActivityAt: T, title: 'Beta' }),
  conv({ id: 'k-a', lastActivityAt: T, title: null }),
  conv({ id: 'k-c', lastActivityAt: T, title: 'Alpha' }),
  conv({
    id: 'k-closed',
    lastActivityAt: T + 5000,
    status: 'closed',
    closedAt: T + 6000,
    handledBy: 'human',
    agent: { id: 'agent-7', name: 'Maria Human' },
    messages: [{ id: 'hm', text: 'I took over', author: 'human_agent', createdAt: T + 5000 }],
  }),
  conv({ id: 'k-sys', lastActivityAt: T - 5000, messages: [{ id: 'sm', text: 'Chat started', author: 'system', createdAt: T - 5000 }] }),
  conv({ id: 'k-empty', lastActivityAt: T - 9000, messages: [] }),
];

const demo = siteassistSimulator.demoData(11, 45);
let sim: Simulator;
let craftedSim: Simulator;

beforeAll(async () => {
  sim = await startSimulator(siteassistSimulator.behaviour(creds), { data: demo });
  craftedSim = await startSimulator(siteassistSimulator.behaviour(creds), { data: crafted });
});
afterAll(async () => {
  await Promise.all([sim.close(), craftedSim.close()]);
});

const page = async (s: Simulator, query: Record<string, string> = {}) => {
  const r = await get(s.url, PATH, query, AUTH);
  expect(r.status).toBe(200);
  return r.json();
};
const ids = (body: { data: { id: string }[] }) => body.data.map((r) => r.id);

describe('siteassist simulator: auth', () => {
  it.each([[{}], [{ authorization: 'Bearer nope' }]])('answers %j with 401 UNAUTHORIZED', async (headers) => {
    const r = await get(sim.url, PATH, {}, headers);
    expect(r.status).toBe(401);
    expect(r.json()).toEqual({ error: { message: 'Authentication required', code: 'UNAUTHORIZED' } });
  });
});

describe('siteassist simulator: paging and validation', () => {
  it('defaults to limit 10, offset 0, lastInterationAt descending', async () => {
    const body = await page(sim);
    expect(body).toMatchObject({ object: 'list', total: 45, limit: 10, offset: 0 });
    const want = [...demo].sort((a, b) => b.lastActivityAt - a.lastActivityAt).slice(0, 10).map((c) => c.id);
    expect(ids(body)).toEqual(want);
  });

  it('pages through everything without gaps or repeats', async () => {
    const seen: string[] = [];
    for (let offset = 0; offset < 45; offset += 7) {
      const body = await page(sim, { limit: '7', offset: String(offset), orderBy: 'createdAt', orderDir: 'asc' });
      expect(body).toMatchObject({ total: 45, limit: 7, offset });
      seen.push(...ids(body));
    }
    expect(seen).toEqual([...demo].sort((a, b) => a.createdAt - b.createdAt).map((c) => c.id));
  });

  it.each([[''], ['null']])('treats offset=%j as 0', async (offset) => {
    const body = await page(sim, { offset });
    expect(body.offset).toBe(0);
    expect(ids(body)).toEqual(ids(await page(sim)));
  });

  it.each([
    ['limit', '0'],
    ['limit', '101'],
    ['limit', 'ten'],
    ['limit', '1.5'],
    ['offset', '-1'],
    ['offset', 'x'],
    ['status', 'pending'],
    ['orderBy', 'priority'],
    ['orderBy', 'lastinterationat'],
    ['orderDir', 'descending'],
  ])('rejects %s=%s with 422 VALIDATION_ERROR naming the field', async (field, value) => {
    const r = await get(sim.url, PATH, { [field]: value }, AUTH);
    expect(r.status).toBe(422);
    const body = r.json();
    expect(body.error).toMatchObject({ message: 'Validation failed', code: 'VALIDATION_ERROR', details: { field } });
    expect(typeof body.error.details.reason).toBe('string');
  });

  it('filters by status with an exact total', async () => {
    const body = await page(sim, { status: 'closed', limit: '100' });
    const closed = demo.filter((c) => c.status === 'closed');
    expect(body.total).toBe(closed.length);
    expect(ids(body).sort()).toEqual(closed.map((c) => c.id).sort());
    for (const r of body.data) expect(r.status).toBe('closed');
  });

  it('ignores unknown parameters', async () => {
    expect(await page(sim, { search: 'refund', createdAfter: '2024-01-01' })).toEqual(await page(sim));
  });
});

describe('siteassist simulator: order', () => {
  it('keeps insertion order for ties, in both directions', async () => {
    const desc = await page(craftedSim, { orderBy: 'lastInterationAt', orderDir: 'desc' });
    expect(ids(desc)).toEqual(['k-closed', 'k-b', 'k-a', 'k-c', 'k-sys', 'k-empty']);
    const asc = await page(craftedSim, { orderBy: 'lastInterationAt', orderDir: 'asc' });
    expect(ids(asc)).toEqual(['k-empty', 'k-sys', 'k-b', 'k-a', 'k-c', 'k-closed']);
  });

  it('accepts the new spelling lastInteractionAt for orderBy', async () => {
    const legacy = await page(craftedSim, { orderBy: 'lastInterationAt' });
    expect(ids(await page(craftedSim, { orderBy: 'lastInteractionAt' }))).toEqual(ids(legacy));
  });

  it('puts nulls last in both directions', async () => {
    for (const orderDir of ['asc', 'desc']) {
      const byClosed = ids(await page(craftedSim, { orderBy: 'closedAt', orderDir }));
      expect(byClosed[0]).toBe('k-closed'); // the only non-null closedAt
      const byTitle = await page(craftedSim, { orderBy: 'title', orderDir });
      expect(byTitle.data.at(-1).id).toBe('k-a');
    }
    const titles = (await page(craftedSim, { orderBy: 'title', orderDir: 'asc' })).data.map((r: { title: string | null }) => r.title);
    expect(titles.slice(0, 2)).toEqual(['Alpha', 'Beta']);
  });

  it('orders by isHumanHandled, status and id', async () => {
    expect(ids(await page(craftedSim, { orderBy: 'isHumanHandled', orderDir: 'desc' }))[0]).toBe('k-closed');
    expect(ids(await page(craftedSim, { orderBy: 'status', orderDir: 'asc' }))[0]).toBe('k-closed');
    expect(ids(await page(craftedSim, { orderBy: 'status', orderDir: 'desc' })).at(-1)).toBe('k-closed');
    expect(ids(await page(craftedSim, { orderBy: 'id', orderDir: 'asc' }))).toEqual(crafted.map((c) => c.id).sort());
  });
});

describe('siteassist simulator: rows', () => {
  it('spells the last-interaction field both ways in one response', async () => {
    const body = await page(sim, { limit: '6' });
    body.data.forEach((row: Record<string, unknown>, i: number) => {
      const [present, absent] = i % 2 === 0 ? ['lastInterationAt', 'lastInteractionAt'] : ['lastInteractionAt', 'lastInterationAt'];
      expect(row).toHaveProperty(present);
      expect(row).not.toHaveProperty(absent);
    });
  });

  it.each([
    ['legacy', 'lastInterationAt', 'lastInteractionAt'],
    ['current', 'lastInteractionAt', 'lastInterationAt'],
  ] as const)('with spelling %s, every row says %s', async (spelling, present, absent) => {
    const s = await startSimulator(siteassistBehaviour(creds, { spelling }), { data: demo });
    try {
      for (const row of (await page(s, { limit: '5' })).data) {
        expect(row).toHaveProperty(present);
        expect(row).not.toHaveProperty(absent);
      }
    } finally {
      await s.close();
    }
  });

  it('renders a human-handled closed conversation', async () => {
    const c = crafted[3]!;
    const [row] = (await page(craftedSim, { limit: '1' })).data;
    expect(row).toEqual({
      object: 'conversation',
      id: 'k-closed',
      createdAt: new Date(c.createdAt).toISOString(),
      updatedAt: new Date(c.updatedAt).toISOString(),
      status: 'closed',
      closedAt: new Date(T + 6000).toISOString(),
      closeReason: 'resolved',
      lastInterationAt: new Date(T + 5000).toISOString(),
      isHumanHandled: true,
      humanAgent: { name: 'Maria Human', image: null },
      lastMessage: {
        object: 'message',
        id: 'hm',
        createdAt: new Date(T + 5000).toISOString(),
        chatId: 'k-closed',
        role: 'human_agent',
        parts: [{ type: 'text', text: 'I took over' }],
        status: 'sent',
        error: null,
      },
      title: c.title,
    });
  });

  it('maps roles, and gives null humanAgent and lastMessage where there are none', async () => {
    const rows = (await page(craftedSim)).data;
    const by = (id: string) => rows.find((r: { id: string }) => r.id === id);
    expect(by('k-sys').lastMessage.role).toBe('assistant');
    expect(by('k-b').lastMessage.role).toBe('assistant');
    expect(by('k-empty')).toMatchObject({ lastMessage: null, humanAgent: null, isHumanHandled: false, closeReason: null, closedAt: null });
    const users = (await page(sim, { limit: '100' })).data.filter((r: any) => r.lastMessage?.role === 'user');
    expect(users.length).toBeGreaterThan(0);
  });
});

/** A minimal reader of SiteAssist's dialect, to check the oracle says what the rows say. */
function read(row: any): Conversation {
  const author = { user: 'customer', assistant: 'agent', human_agent: 'human_agent' } as const;
  const m = row.lastMessage;
  return {
    id: `siteassist:${row.id}`,
    vendor: 'siteassist',
    externalId: row.id,
    title: row.title ?? null,
    status: row.status,
    channel: 'website',
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    lastActivityAt: row.lastInterationAt ?? row.lastInteractionAt,
    closedAt: row.closedAt,
    handledBy: row.isHumanHandled ? 'human' : 'ai',
    agent: row.humanAgent ? { id: null, name: row.humanAgent.name } : null,
    contact: null,
    messageCount: null,
    lastMessage: m ? { text: m.parts[0].text, author: author[m.role as keyof typeof author], createdAt: m.createdAt } : null,
  };
}

describe('siteassist simulator: expected()', () => {
  it.each([false, true])('agrees with the rendered rows (messages: %s)', async (messages) => {
    for (const [s, data] of [[sim, demo], [craftedSim, crafted]] as const) {
      const rows = (await page(s, { limit: '100' })).data;
      expect(rows).toHaveLength(data.length);
      for (const row of rows) {
        const c = data.find((x) => x.id === row.id)!;
        // Asked for, messages are null: the list carries only the last one.
        expect(siteassistSimulator.expected(c, 'siteassist', { messages })).toStrictEqual({ ...read(row), ...(messages ? { messages: null } : {}) });
      }
    }
  });

  it('has messages null only when asked for, never a raw key, and uses the vendor name given', () => {
    const e = siteassistSimulator.expected(demo[0]!, 'sia', { messages: true });
    expect(e.messages).toBeNull();
    expect(Object.keys(siteassistSimulator.expected(demo[0]!, 'sia', { messages: false }))).not.toContain('messages');
    expect(Object.keys(e)).not.toContain('raw');
    expect(e).toMatchObject({ id: `sia:${demo[0]!.id}`, vendor: 'sia', externalId: demo[0]!.id, channel: 'website' });
  });
});

describe('siteassist simulator: GET /v2/conversations/{id}', () => {
  it("answers the list's row alone, and the page's 404 CONVERSATION_NOT_FOUND naming an unknown id", async () => {
    const listed = (await page(sim, { limit: '100' })).data.find((r: { id: string }) => r.id === demo[2]!.id);
    const one = await get(sim.url, `${PATH}/${demo[2]!.id}`, {}, AUTH);
    expect(one.status).toBe(200);
    const { lastInterationAt, lastInteractionAt, ...rest } = one.json();
    const { lastInterationAt: a, lastInteractionAt: b, ...listedRest } = listed;
    expect(rest).toEqual(listedRest);
    expect(lastInterationAt ?? lastInteractionAt).toBe(a ?? b);
    const missing = await get(sim.url, `${PATH}/123e4567-e89b-12d3-a456-426614174000`, {}, AUTH);
    expect(missing.status).toBe(404);
    expect(missing.json()).toEqual({ error: { message: 'Conversation not found!', code: 'CONVERSATION_NOT_FOUND', details: { conversationId: '123e4567-e89b-12d3-a456-426614174000' } } });
    expect((await get(sim.url, `${PATH}/${demo[2]!.id}`, {}, {})).status).toBe(401);
  });
});

describe('siteassist simulator: faults', () => {
  const withFault = async (fault: Simulator['fault']) => {
    sim.fault = fault;
    try {
      return await get(sim.url, PATH, {}, AUTH);
    } finally {
      sim.fault = null;
    }
  };

  it('rate limit: 429 RATE_LIMIT_EXCEEDED with details.retryAfter and no header, even when asked', async () => {
    const r = await withFault({ kind: 'rateLimit', retryAfter: 7, header: true });
    expect(r.status).toBe(429);
    expect(r.headers['retry-after']).toBeUndefined();
    expect(r.json()).toEqual({
      error: { message: 'Rate limit exceeded. Please try again later.', code: 'RATE_LIMIT_EXCEEDED', details: { retryAfter: 7 } },
    });
  });

  it('unavailable: 503 SERVICE_UNAVAILABLE with details.retryAfter 30', async () => {
    const r = await withFault({ kind: 'unavailable' });
    expect(r.status).toBe(503);
    expect(r.json().error).toMatchObject({ code: 'SERVICE_UNAVAILABLE', details: { retryAfter: 30 } });
  });

  it('internal: 500 INTERNAL_SERVER_ERROR', async () => {
    const r = await withFault({ kind: 'internal' });
    expect(r.status).toBe(500);
    expect(r.json()).toEqual({ error: { message: 'An internal server error occurred', code: 'INTERNAL_SERVER_ERROR' } });
  });

  it('auth: 401 UNAUTHORIZED', async () => {
    const r = await withFault({ kind: 'auth' });
    expect(r.status).toBe(401);
    expect(r.json().error.code).toBe('UNAUTHORIZED');
  });
});
