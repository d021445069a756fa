/**
 * Superagentes — GET /api/user-conversations: a bare array of every match, no paging and no order
 * (shared/vendors.md). Bad tokens get a text/plain 403, not JSON.
 */
import type { Conversation, Message, MessageAuthor } from '../src/model/conversation.js';
import { generateConversations, prng, type CanonicalConversation, type CanonicalMessage } from './canonical.js';
import { bearerToken, listedConversation, param, stableHash } from './common.js';
import { iso, type SimCredentials, type SimRequest, type SimResponse, type SimulatorModule, type VendorBehaviour } from './kit.js';

const PATH = '/api/user-conversations';
const PRIORITIES = ['LOW', 'MEDIUM', 'HIGH'] as const;

const fail = (status: number, error: string): SimResponse => ({ status, body: { error } });
const forbidden: SimResponse = { status: 403, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'Forbidden' };

type From = 'human' | 'agent' | 'system';
/** Superagentes does not tell a bot from a human agent: both are `agent`. */
const FROM: Record<CanonicalMessage['author'], From> = { customer: 'human', agent: 'agent', human_agent: 'agent', system: 'system' };
const AUTHOR: Record<From, MessageAuthor> = { human: 'customer', agent: 'agent', system: 'system' };

function status(c: CanonicalConversation): 'RESOLVED' | 'HUMAN_REQUESTED' | 'UNRESOLVED' {
  if (c.status === 'closed') return 'RESOLVED';
  return c.handledBy === 'human' ? 'HUMAN_REQUESTED' : 'UNRESOLVED';
}

function renderMessage(m: CanonicalMessage, isLast: boolean) {
  return {
    id: m.id,
    text: m.text,
    from: FROM[m.author],
    createdAt: new Date(m.createdAt).toISOString(),
    read: !(isLast && m.author === 'customer'), // the customer's latest message awaits reading
    attachments: [],
  };
}

function renderRow(c: CanonicalConversation, full: boolean): Record<string, unknown> {
  const shown = full ? c.messages : c.messages.slice(-1);
  const h = stableHash(c.id);
  return {
    id: c.id,
    title: c.title,
    status: status(c),
    channel: c.channel,
    channelExternalId: c.contact.phone,
    agent: {
      id: c.agent.id,
      name: c.agent.name,
      iconUrl: `https://cdn.superagentes.ai/agents/${encodeURIComponent(c.agent.id)}.png`,
      handle: `@${c.agent.name.toLowerCase().replace(/\W+/g, '_')}`,
    },
    contactInfo: { phoneNumber: c.contact.phone, name: c.contact.name, email: c.contact.email },
    messages: shown.map((m, i) => renderMessage(m, i === shown.length - 1)),
    createdAt: new Date(c.createdAt).toISOString(),
    updatedAt: new Date(c.updatedAt).toISOString(),
    // Only some rows carry a priority; keyed by id so it is stable across calls.
    ...(h % 3 === 0 ? { priority: PRIORITIES[(h >>> 2) % 3] } : {}),
  };
}

function searchText(c: CanonicalConversation): string {
  return [c.title, c.contact.name, c.contact.email, c.contact.phone, ...c.messages.map((m) => m.text)]
    .filter((s): s is string => s !== null)
    .join('\n');
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/** An ISO 8601 date or date-time parameter as epoch ms; a date-time without a zone is read as UTC. */
function dateParam(q: URLSearchParams, name: string): number | null | 'invalid' {
  const v = param(q, name);
  if (v === null) return null;
  if (!ISO_8601.test(v)) return 'invalid';
  const zoned = /T/i.test(v) && !/(Z|[+-]\d{2}:?\d{2})$/i.test(v) ? `${v}Z` : v;
  const ms = Date.parse(zoned);
  return Number.isNaN(ms) ? 'invalid' : ms;
}

/** Fisher–Yates with a seeded PRNG: arbitrary, different on every call, but reproducible in a test run. */
function shuffle<T>(xs: T[], seed: number): T[] {
  const rand = prng(seed);
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [xs[i], xs[j]] = [xs[j] as T, xs[i] as T];
  }
  return xs;
}

function list(req: SimRequest, data: readonly CanonicalConversation[], call: number): SimResponse {
  const q = req.query;
  const start = dateParam(q, 'startDate');
  const end = dateParam(q, 'endDate');
  if (start === 'invalid' || end === 'invalid') return fail(400, 'INVALID_REQUEST');
  const agentId = param(q, 'agentId');
  const channel = param(q, 'channel');
  const phone = param(q, 'channelExternalId');
  const search = param(q, 'search')?.toLowerCase() ?? null;
  const full = q.get('fullConversation') === 'true';
  const matches = data.filter(
    (c) =>
      (agentId === null || c.agent.id === agentId) &&
      (channel === null || c.channel === channel) &&
      (phone === null || c.contact.phone === phone) &&
      (search === null || searchText(c).toLowerCase().includes(search)) &&
      (start === null || c.createdAt >= start) &&
      (end === null || c.createdAt <= end),
  );
  return { status: 200, body: shuffle(matches, call).map((c) => renderRow(c, full)) };
}

function behaviour(creds: SimCredentials): VendorBehaviour {
  let calls = 0; // seeds the shuffle, so two calls rarely agree on order
  return {
    handle(req, data) {
      if (req.method !== 'GET' || req.path !== PATH) return fail(404, 'NOT_FOUND');
      // With no token configured the simulator runs open; otherwise only that exact token passes.
      if (creds.bearer !== undefined && bearerToken(req.headers) !== creds.bearer) return forbidden;
      return list(req, data, ++calls);
    },
    error(kind, { retryAfter = 30, header = true }) {
      switch (kind) {
        case 'rateLimit':
          return { ...fail(429, 'RATE_LIMIT'), ...(header ? { headers: { 'retry-after': String(retryAfter) } } : {}) };
        case 'unavailable':
          return fail(503, 'SERVICE_UNAVAILABLE');
        case 'internal':
          return fail(500, 'INTERNAL_SERVER_ERROR');
        case 'auth':
          return forbidden;
      }
    },
  };
}

const toMessage = (m: CanonicalMessage): Message => ({
  id: m.id,
  text: m.text,
  author: AUTHOR[FROM[m.author]],
  createdAt: iso(m.createdAt),
});

function expected(c: CanonicalConversation, vendor: string, opts: { messages: boolean }): Conversation {
  const handledBy = { UNRESOLVED: 'ai', HUMAN_REQUESTED: 'human', RESOLVED: null } as const;
  return {
    ...listedConversation(c, vendor, opts, (a) => AUTHOR[FROM[a]]),
    lastActivityAt: iso(c.updatedAt),
    closedAt: null, // RESOLVED carries no time of its own
    handledBy: handledBy[status(c)],
    // Only the full conversation lets anyone count messages.
    messageCount: opts.messages ? c.messages.length : null,
    ...(opts.messages ? { messages: c.messages.map(toMessage) } : {}),
  };
}

export const superagentesSimulator: SimulatorModule = {
  behaviour,
  expected,
  searchText,
  demoData: (seed, count) =>
    generateConversations({ seed, count, idPrefix: 'sa', channels: ['whatsapp', 'website', 'telegram', 'mail', 'slack'] }),
};
