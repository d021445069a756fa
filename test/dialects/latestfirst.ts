/**
 * Latestfirst — a test-only, Intercom-like vendor: one fixed order, newest updated first, and no parameter
 * to change it; page numbers (`page`, `per_page` up to 50) until an empty page, no total; Unix-second
 * timestamps, `open`/`snoozed`/`closed` states, a bearer token and `{type:"error", error:{kind, detail}}`
 * errors. Any parameter it doesn't know is a 400, so a sort parameter sent by mistake shows.
 */
import type { Conversation, MessageAuthor } from '../../src/model/conversation.js';
import { generateConversations, type CanonicalConversation, type CanonicalMessage } from '../../sim/canonical.js';
import { bearerToken, listedConversation } from '../../sim/common.js';
import { intParam, type SimCredentials, type SimRequest, type SimResponse, type SimulatorModule, type VendorBehaviour } from '../../sim/kit.js';

const PATH = '/conversations';
const KNOWN = new Set(['page', 'per_page']);
export const MAX_PER_PAGE = 50;

const fail = (status: number, kind: string, detail: string, headers?: Record<string, string>): SimResponse => ({
  status,
  body: { type: 'error', error: { kind, detail } },
  ...(headers ? { headers } : {}),
});

type State = 'open' | 'snoozed' | 'closed';
/** Latestfirst snoozes the open conversations a person handles (they wait on a teammate). */
export const stateOf = (c: CanonicalConversation): State => (c.status === 'closed' ? 'closed' : c.handledBy === 'human' ? 'snoozed' : 'open');

type PartAuthor = 'user' | 'bot' | 'admin';
/** No system author: system notes come out as the bot's. */
const PART_AUTHOR: Record<CanonicalMessage['author'], PartAuthor> = { customer: 'user', agent: 'bot', human_agent: 'admin', system: 'bot' };
const AUTHOR: Record<PartAuthor, MessageAuthor> = { user: 'customer', bot: 'agent', admin: 'human_agent' };

const seconds = (ms: number | null) => (ms === null ? null : Math.floor(ms / 1000));

function renderRow(c: CanonicalConversation): Record<string, unknown> {
  const last = c.messages.at(-1);
  return {
    type: 'conversation',
    id: c.id,
    title: c.title,
    state: stateOf(c),
    source: { type: c.channel },
    created_at: seconds(c.createdAt),
    updated_at: seconds(c.updatedAt),
    admin_assignee: { id: c.agent.id, name: c.agent.name },
    ai_agent_participated: c.handledBy === 'ai',
    contacts: { type: 'contact.list', contacts: [{ type: 'contact', name: c.contact.name, email: c.contact.email, phone: c.contact.phone }] },
    statistics: {
      last_activity_at: seconds(c.lastActivityAt),
      last_close_at: seconds(c.closedAt),
      count_conversation_parts: c.messages.length,
    },
    last_part: last ? { body: last.text, author: { type: PART_AUTHOR[last.author] }, created_at: seconds(last.createdAt) } : null,
  };
}

/** Newest updated first, always. Ties keep insertion order (no id tie-break): the gateway breaks them itself. */
export const naturalOrder = (data: readonly CanonicalConversation[]): CanonicalConversation[] => [...data].sort((a, b) => b.updatedAt - a.updatedAt);

function list(req: SimRequest, data: readonly CanonicalConversation[]): SimResponse {
  const q = req.query;
  for (const name of q.keys()) if (!KNOWN.has(name)) return fail(400, 'parameter_not_supported', `unknown parameter: ${name}`);
  const page = intParam(q, 'page') ?? 1;
  if (page === 'invalid' || page < 1) return fail(400, 'parameter_invalid', 'page must be a positive integer');
  const perPage = intParam(q, 'per_page') ?? 20;
  if (perPage === 'invalid' || perPage < 1 || perPage > MAX_PER_PAGE) return fail(400, 'parameter_invalid', `per_page must be between 1 and ${MAX_PER_PAGE}`);
  const conversations = naturalOrder(data).slice((page - 1) * perPage, page * perPage).map(renderRow);
  return { status: 200, body: { type: 'conversation.list', conversations, pages: { type: 'pages', page, per_page: perPage } } };
}

function behaviour(creds: SimCredentials): VendorBehaviour {
  const self: VendorBehaviour = {
    handle(req, data) {
      // With no token configured the simulator runs open; otherwise only that exact token passes.
      if (creds.bearer !== undefined && bearerToken(req.headers) !== creds.bearer) return self.error('auth', {});
      if (req.method !== 'GET' || req.path !== PATH) return fail(404, 'not_found', 'no such resource');
      return list(req, data);
    },
    error(kind, { retryAfter = 30, header = true }) {
      switch (kind) {
        case 'rateLimit':
          return fail(429, 'rate_limited', 'slow down', header ? { 'retry-after': String(retryAfter) } : undefined);
        case 'unavailable':
          return fail(503, 'service_unavailable', 'back soon');
        case 'internal':
          return fail(500, 'server_error', 'something broke');
        case 'auth':
          return fail(401, 'token_unauthorized', 'the access token is not valid');
      }
    },
  };
  return self;
}

function expected(c: CanonicalConversation, vendor: string, opts: { messages: boolean } = { messages: false }): Conversation {
  return listedConversation(c, vendor, opts, (a) => AUTHOR[PART_AUTHOR[a]]);
}

export const latestfirstSimulator: SimulatorModule = {
  behaviour,
  expected,
  demoData: (seed, count) => generateConversations({ seed, count, idPrefix: 'lf', channels: ['email', 'chat', 'messenger'] }),
};
