import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Conversation } from '../../src/model/conversation.js';
import type { CanonicalConversation } from '../../sim/canonical.js';
import { startSimulator, type Simulator } from '../../sim/kit.js';
import { superagentesSimulator } from '../../sim/superagentes.js';
import { conv, get } from './helpers.js';

const PATH = '/api/user-conversations';
const AUTH = { authorization: 'Bearer jwt-token' };
const creds = { bearer: 'jwt-token', query: {} };
const T = Date.UTC(2024, 4, 10, 12);

const crafted: CanonicalConversation[] = [
  conv({ id: 'x-open-ai', createdAt: T, status: 'open', handledBy: 'ai', channel: 'whatsapp' }),
  conv({ id: 'x-open-human', createdAt: T + 1000, status: 'open', handledBy: 'human', channel: 'mail', title: 'Refund REQUEST #9' }),
  conv({
    id: 'x-closed',
    createdAt: T + 2000,
    status: 'closed',
    closedAt: T + 9000,
    handledBy: 'human',
    agent: { id: 'agent-2', name: 'Agent Two' },
    messages: [
      { id: 'm1', text: 'Hello!', author: 'customer', createdAt: T + 2000 },
      { id: 'm2', text: 'Escalating to a colleague', author: 'human_agent', createdAt: T + 3000 },
      { id: 'm3', text: 'Ticket closed', author: 'system', createdAt: T + 4000 },
    ],
  }),
  conv({ id: 'x-empty', createdAt: T + 3000, messages: [], title: null }),
];

const demo = superagentesSimulator.demoData(3, 40);
let sim: Simulator;
let craftedSim: Simulator;

beforeAll(async () => {
  sim = await startSimulator(superagentesSimulator.behaviour(creds), { data: demo });
  craftedSim = await startSimulator(superagentesSimulator.behaviour(creds), { data: crafted });
});
afterAll(async () => {
  await Promise.all([sim.close(), craftedSim.close()]);
});

const list = async (s: Simulator, query: Record<string, string> = {}) => {
  const r = await get(s.url, PATH, query, AUTH);
  expect(r.status).toBe(200);
  return r.json() as any[];
};
const idSet = (rows: { id: string }[]) => rows.map((r) => r.id).sort();
const wanted = (pred: (c: CanonicalConversation) => boolean, data = demo) => data.filter(pred).map((c) => c.id).sort();

describe('superagentes simulator: auth', () => {
  it.each([[{}], [{ authorization: 'Bearer other' }], [{ authorization: 'jwt-token' }]])(
    'answers %j with a text/plain 403 Forbidden',
    async (headers) => {
      const r = await get(sim.url, PATH, {}, headers);
      expect(r.status).toBe(403);
      expect(r.headers['content-type']).toMatch(/^text\/plain/);
      expect(r.text).toBe('Forbidden');
    },
  );
});

describe('superagentes simulator: no paging, no order', () => {
  it('returns a bare array of every conversation, ignoring paging parameters', async () => {
    const rows = await list(sim, { limit: '5', offset: '10', page: '2', orderBy: 'createdAt' });
    expect(Array.isArray(rows)).toBe(true);
    expect(idSet(rows)).toEqual(wanted(() => true));
  });

  it('changes the order between calls but never the set', async () => {
    const a = (await list(sim)).map((r) => r.id);
    const b = (await list(sim)).map((r) => r.id);
    expect(a).not.toEqual(b);
    expect([...a].sort()).toEqual([...b].sort());
  });
});

describe('superagentes simulator: filters', () => {
  it('filters by agentId, channel and channelExternalId', async () => {
    const agent = demo[0]!.agent.id;
    expect(idSet(await list(sim, { agentId: agent }))).toEqual(wanted((c) => c.agent.id === agent));
    expect(idSet(await list(sim, { channel: 'slack' }))).toEqual(wanted((c) => c.channel === 'slack'));
    expect(wanted((c) => c.channel === 'slack').length).toBeGreaterThan(0);
    const phone = demo[5]!.contact.phone;
    expect(idSet(await list(sim, { channelExternalId: phone }))).toEqual(wanted((c) => c.contact.phone === phone));
  });

  it('searches titles, contact info and message text, case-insensitively', async () => {
    expect(idSet(await list(craftedSim, { search: 'refund request' }))).toEqual(['x-open-human']);
    expect(idSet(await list(craftedSim, { search: 'ESCALATING' }))).toEqual(['x-closed']);
    const email = crafted[0]!.contact.email;
    expect(idSet(await list(craftedSim, { search: email.toUpperCase() }))).toEqual(['x-open-ai']);
    const text = 'order';
    expect(idSet(await list(sim, { search: text }))).toEqual(
      wanted((c) => superagentesSimulator.searchText!(c).toLowerCase().includes(text)),
    );
  });

  it('searchText joins title, contact and every message', () => {
    const c = crafted[2]!;
    expect(superagentesSimulator.searchText!(c)).toBe(
      [c.title, c.contact.name, c.contact.email, c.contact.phone, 'Hello!', 'Escalating to a colleague', 'Ticket closed'].join('\n'),
    );
  });

  it('filters on creation date with inclusive startDate and endDate', async () => {
    const start = new Date(T + 1000).toISOString();
    const end = new Date(T + 2000).toISOString();
    expect(idSet(await list(craftedSim, { startDate: start, endDate: end }))).toEqual(['x-closed', 'x-open-human']);
    expect(idSet(await list(craftedSim, { startDate: start }))).toEqual(['x-closed', 'x-empty', 'x-open-human']);
    expect(idSet(await list(craftedSim, { endDate: new Date(T).toISOString().replace('.000Z', 'Z') }))).toEqual(['x-open-ai']);
    expect(idSet(await list(craftedSim, { startDate: '2030-01-01' }))).toEqual([]);
  });

  it.each([['yesterday'], ['2024-13-45'], ['1715342400']])('rejects startDate=%s with 400 INVALID_REQUEST', async (startDate) => {
    const r = await get(craftedSim.url, PATH, { startDate }, AUTH);
    expect(r.status).toBe(400);
    expect(r.json()).toEqual({ error: 'INVALID_REQUEST' });
  });

  it('ignores unknown parameters', async () => {
    expect(idSet(await list(craftedSim, { foo: 'bar', status: 'RESOLVED' }))).toEqual(idSet(crafted));
  });
});

describe('superagentes simulator: rows', () => {
  it('renders the vendor statuses and `from` values', async () => {
    const rows = await list(craftedSim, { fullConversation: 'true' });
    const by = (id: string) => rows.find((r) => r.id === id);
    expect(by('x-open-ai').status).toBe('UNRESOLVED');
    expect(by('x-open-human').status).toBe('HUMAN_REQUESTED');
    expect(by('x-closed').status).toBe('RESOLVED');
    expect(by('x-closed').messages.map((m: { from: string }) => m.from)).toEqual(['human', 'agent', 'system']);
  });

  it('renders a full row with millisecond timestamps', async () => {
    const c = crafted[0]!;
    const row = (await list(craftedSim, { fullConversation: 'true' })).find((r) => r.id === c.id);
    expect(row).toMatchObject({
      id: c.id,
      title: c.title,
      channel: 'whatsapp',
      channelExternalId: c.contact.phone,
      agent: { id: 'agent-1', name: 'Agent One', iconUrl: expect.stringMatching(/^https:\/\//), handle: expect.stringMatching(/^@/) },
      contactInfo: { phoneNumber: c.contact.phone, name: c.contact.name, email: c.contact.email },
      createdAt: new Date(c.createdAt).toISOString(),
      updatedAt: new Date(c.updatedAt).toISOString(),
    });
    expect(row.createdAt).toMatch(/\.\d{3}Z$/);
    expect(row.messages[0]).toEqual({
      id: c.messages[0]!.id,
      text: c.messages[0]!.text,
      from: 'human',
      createdAt: new Date(c.messages[0]!.createdAt).toISOString(),
      read: true,
      attachments: [],
    });
  });

  it('gives only the last message unless fullConversation=true', async () => {
    const summary = (await list(craftedSim)).find((r) => r.id === 'x-closed');
    expect(summary.messages.map((m: { id: string }) => m.id)).toEqual(['m3']);
    const notTrue = (await list(craftedSim, { fullConversation: 'false' })).find((r) => r.id === 'x-closed');
    expect(notTrue.messages).toHaveLength(1);
    const full = (await list(craftedSim, { fullConversation: 'true' })).find((r) => r.id === 'x-closed');
    expect(full.messages.map((m: { id: string }) => m.id)).toEqual(['m1', 'm2', 'm3']);
    const empty = (await list(craftedSim)).find((r) => r.id === 'x-empty');
    expect(empty).toMatchObject({ messages: [], title: null });
  });

  it('puts a priority on some rows only', async () => {
    const rows = await list(sim);
    const withPriority = rows.filter((r) => 'priority' in r);
    expect(withPriority.length).toBeGreaterThan(0);
    expect(withPriority.length).toBeLessThan(rows.length);
    for (const r of withPriority) expect(['LOW', 'MEDIUM', 'HIGH']).toContain(r.priority);
  });
});

/** A minimal reader of Superagentes' dialect, to check the oracle says what the rows say. */
function read(row: any, messages: boolean): Conversation {
  const author = { human: 'customer', agent: 'agent', system: 'system' } as const;
  const msg = (m: any) => ({ text: m.text, author: author[m.from as keyof typeof author], createdAt: m.createdAt });
  const last = row.messages.at(-1);
  return {
    id: `superagentes:${row.id}`,
    vendor: 'superagentes',
    externalId: row.id,
    title: row.title,
    status: row.status === 'RESOLVED' ? 'closed' : 'open',
    channel: row.channel,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    lastActivityAt: row.updatedAt,
    closedAt: null,
    handledBy: row.status === 'UNRESOLVED' ? 'ai' : row.status === 'HUMAN_REQUESTED' ? 'human' : null,
    agent: { id: row.agent.id, name: row.agent.name },
    contact: { name: row.contactInfo.name, email: row.contactInfo.email, phone: row.contactInfo.phoneNumber },
    messageCount: messages ? row.messages.length : null,
    lastMessage: last ? msg(last) : null,
    ...(messages ? { messages: row.messages.map((m: any) => ({ id: m.id, ...msg(m) })) } : {}),
  };
}

describe('superagentes simulator: expected()', () => {
  it.each([false, true])('agrees with the rendered rows (messages: %s)', async (messages) => {
    for (const data of [demo, crafted]) {
      const s = data === demo ? sim : craftedSim;
      const rows = await list(s, messages ? { fullConversation: 'true' } : {});
      expect(rows).toHaveLength(data.length);
      for (const row of rows) {
        const c = data.find((x) => x.id === row.id)!;
        expect(superagentesSimulator.expected(c, 'superagentes', { messages })).toStrictEqual(read(row, messages));
      }
    }
  });

  it('maps handledBy from the status and omits messages unless asked', () => {
    const e = (i: number) => superagentesSimulator.expected(crafted[i]!, 'sa', { messages: false });
    expect([0, 1, 2].map((i) => e(i).handledBy)).toEqual(['ai', 'human', null]);
    expect(Object.keys(e(0))).not.toContain('messages');
    expect(Object.keys(e(0))).not.toContain('raw');
    expect(e(0)).toMatchObject({ id: 'sa:x-open-ai', vendor: 'sa', externalId: 'x-open-ai', messageCount: null });
    expect(e(3).lastMessage).toBeNull();
  });

  it('demo data has ids like sa-0001 and only the vendor channels', () => {
    expect(demo[1]!.id).toBe('sa-0001');
    for (const c of demo) expect(['whatsapp', 'website', 'telegram', 'mail', 'slack']).toContain(c.channel);
  });
});

describe('superagentes simulator: faults', () => {
  const withFault = async (fault: Simulator['fault']) => {
    sim.fault = fault;
    try {
      return await get(sim.url, PATH, {}, AUTH);
    } finally {
      sim.fault = null;
    }
  };

  it('rate limit: 429 {error:"RATE_LIMIT"} with Retry-After when asked', async () => {
    const r = await withFault({ kind: 'rateLimit', retryAfter: 7 });
    expect(r.status).toBe(429);
    expect(r.headers['retry-after']).toBe('7');
    expect(r.json()).toEqual({ error: 'RATE_LIMIT' });
  });

  it('rate limit without header', async () => {
    const r = await withFault({ kind: 'rateLimit', retryAfter: 7, header: false });
    expect(r.status).toBe(429);
    expect(r.headers['retry-after']).toBeUndefined();
  });

  it('unavailable: 503 SERVICE_UNAVAILABLE', async () => {
    const r = await withFault({ kind: 'unavailable' });
    expect(r.status).toBe(503);
    expect(r.json()).toEqual({ error: 'SERVICE_UNAVAILABLE' });
  });

  it('internal: 500 INTERNAL_SERVER_ERROR', async () => {
    const r = await withFault({ kind: 'internal' });
    expect(r.status).toBe(500);
    expect(r.json()).toEqual({ error: 'INTERNAL_SERVER_ERROR' });
  });

  it('auth: the text/plain 403', async () => {
    const r = await withFault({ kind: 'auth' });
    expect(r.status).toBe(403);
    expect(r.headers['content-type']).toMatch(/^text\/plain/);
    expect(r.text).toBe('Forbidden');
  });
});
