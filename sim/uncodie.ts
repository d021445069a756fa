/**
 * Uncodie — GET /api/agents/customerSupport/conversations, as the real service behaves (shared/vendors.md),
 * not as its page claims: ordered by created_at, lead_id beats visitor_id, 403 to anything with an Origin.
 */
import type { Conversation, Message } from '../src/model/conversation.js';
import { generateConversations, type CanonicalConversation, type CanonicalMessage } from './canonical.js';
import { bearerToken, param, stableHash } from './common.js';
import { intParam, iso, type SimCredentials, type SimRequest, type SimResponse, type SimulatorModule, type VendorBehaviour } from './kit.js';

const PATH = '/api/agents/customerSupport/conversations';
/** Strict RFC 4122: version 1–5 and variant 8/9/a/b, so a UUIDv7 is rejected like the real service does. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const SCOPES = ['lead_id', 'visitor_id', 'user_id', 'site_id'] as const;

const fail = (status: number, code: string, message: string, extra: Record<string, unknown> = {}): SimResponse => ({
  status,
  body: { success: false, error: { code, message }, ...extra },
});
const invalid = (message: string) => fail(400, 'INVALID_REQUEST', message);

/** The page prints timestamps without milliseconds (`2023-10-15T18:22:45Z`). */
const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
/** Uncodie knows only two roles: the customer is `user`, everyone else (bots, humans, system) `assistant`. */
const role = (m: CanonicalMessage) => (m.author === 'customer' ? 'user' : 'assistant');
const sameUuid = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * Real rows sometimes carry every message in an undocumented `messages` field. About 1 row in 10 does,
 * chosen by id so `expected()` (which sees no index) knows which.
 */
export const carriesMessages = (c: CanonicalConversation): boolean => stableHash(c.id) % 10 === 0;

function renderRow(c: CanonicalConversation): Record<string, unknown> {
  const last = c.messages.at(-1);
  return {
    id: c.id,
    title: c.title,
    created_at: isoSeconds(c.createdAt),
    updated_at: isoSeconds(c.updatedAt),
    lead_id: c.leadId,
    visitor_id: c.visitorId,
    user_id: c.userId,
    agent_id: c.agent.id,
    message_count: c.messages.length,
    last_message: last ? { content: last.text, role: role(last), created_at: isoSeconds(last.createdAt) } : null,
    ...(carriesMessages(c)
      ? { messages: c.messages.map((m) => ({ id: m.id, content: m.text, role: role(m), created_at: isoSeconds(m.createdAt) })) }
      : {}),
  };
}

function authorized(req: SimRequest, creds: SimCredentials): boolean {
  if (!creds.header) return true; // a deployment without a key: the page shows no auth at all
  const given = req.headers[creds.header.name.toLowerCase()];
  return given === creds.header.value || bearerToken(req.headers) === creds.header.value;
}

function list(req: SimRequest, data: readonly CanonicalConversation[], site: string | undefined): SimResponse {
  const q = req.query;
  const scope = Object.fromEntries(SCOPES.map((k) => [k, param(q, k)])) as Record<(typeof SCOPES)[number], string | null>;
  if (SCOPES.every((k) => scope[k] === null)) {
    return invalid('At least one of lead_id, visitor_id, user_id, or site_id is required');
  }
  for (const k of SCOPES) {
    const v = scope[k];
    if (v !== null && !UUID.test(v)) return invalid(`Invalid UUID format for ${k}`);
  }
  const limit = intParam(q, 'limit') ?? 10;
  if (limit === 'invalid' || limit < 1 || limit > 100) return invalid('limit must be an integer between 1 and 100');
  const offset = intParam(q, 'offset') ?? 0;
  if (offset === 'invalid' || offset < 0) return invalid('offset must be a non-negative integer');

  const { lead_id: lead, user_id: user, site_id: siteId } = scope;
  // Quirk: the service picks one of lead/visitor, lead first, and drops the other silently.
  const visitor = lead === null ? scope.visitor_id : null;
  const matches = data.filter(
    (c) =>
      (lead === null || sameUuid(c.leadId, lead)) &&
      (visitor === null || sameUuid(c.visitorId, visitor)) &&
      (user === null || sameUuid(c.userId, user)) &&
      // All data belongs to the configured site; with none configured, any site holds it.
      (siteId === null || site === undefined || sameUuid(siteId, site)),
  );
  // The page says updated_at desc; the real service orders by created_at desc.
  matches.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    status: 200,
    body: {
      success: true,
      data: {
        conversations: matches.slice(offset, offset + limit).map(renderRow),
        pagination: { limit, offset, total: matches.length },
      },
    },
  };
}

function behaviour(creds: SimCredentials): VendorBehaviour {
  const site = creds.query.site_id;
  const self: VendorBehaviour = {
    handle(req, data) {
      // A CORS guard in front of everything: any Origin gets a bare 403, before auth or routing.
      if (req.headers.origin !== undefined) return { status: 403, headers: { 'content-type': 'text/plain' }, body: '' };
      if (req.method !== 'GET' || req.path !== PATH) return fail(404, 'NOT_FOUND', 'Not found');
      if (!authorized(req, creds)) return self.error('auth', {});
      return list(req, data, site);
    },
    error(kind, { retryAfter = 30, header = true }) {
      switch (kind) {
        case 'rateLimit':
          return {
            ...fail(429, 'RATE_LIMITED', 'Too many requests', { retry_after: retryAfter }),
            ...(header ? { headers: { 'retry-after': String(retryAfter) } } : {}),
          };
        case 'unavailable':
          return { ...fail(503, 'RATE_LIMIT_UNAVAILABLE', 'Rate limiter unavailable'), headers: { 'retry-after': '30' } };
        case 'internal':
          return fail(500, 'DATABASE_ERROR', 'Error querying conversations');
        case 'auth':
          return fail(401, 'INVALID_API_KEY', 'Invalid API key');
      }
    },
  };
  return self;
}

const toMessage = (m: CanonicalMessage): Message => ({
  id: m.id,
  text: m.text,
  author: m.author === 'customer' ? 'customer' : 'agent',
  createdAt: iso(m.createdAt),
});

function expected(c: CanonicalConversation, vendor: string, opts: { messages: boolean }): Conversation {
  const last = c.messages.at(-1);
  const lastMessage = last ? toMessage(last) : null;
  return {
    id: `${vendor}:${c.id}`,
    vendor,
    externalId: c.id,
    title: c.title,
    status: null, // Uncodie rows carry no status
    channel: null,
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
    // updated_at is the only activity time Uncodie gives.
    lastActivityAt: iso(c.updatedAt),
    closedAt: null,
    handledBy: null,
    agent: { id: c.agent.id, name: null },
    contact: null,
    messageCount: c.messages.length,
    lastMessage: lastMessage && { text: lastMessage.text, author: lastMessage.author, createdAt: lastMessage.createdAt },
    ...(opts.messages ? { messages: carriesMessages(c) ? c.messages.map(toMessage) : null } : {}),
  };
}

export const uncodieSimulator: SimulatorModule = {
  behaviour,
  expected,
  demoData: (seed, count) => generateConversations({ seed, count, idPrefix: 'unc', uuidIds: true }),
};
