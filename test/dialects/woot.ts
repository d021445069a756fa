/**
 * Woot — a test-only, Chatwoot-like vendor: `GET /api/v1/accounts/{account}/conversations` answers only
 * `open` conversations unless `status=all` is sent (`status=resolved` for closed ones), 25 a page by `page`
 * number with a total of the status asked (`meta.all_count`), Unix-second timestamps, an
 * `api_access_token` header and `{error}` errors. It also takes `sort_by` (last activity or creation, either
 * direction; newest activity first by default). It exists to prove the config language reaches it.
 */
import type { Conversation, MessageAuthor } from '../../src/model/conversation.js';
import { generateConversations, type CanonicalConversation, type CanonicalMessage } from '../../sim/canonical.js';
import { param, listedConversation } from '../../sim/common.js';
import { intParam, type SimCredentials, type SimRequest, type SimResponse, type SimulatorModule, type VendorBehaviour } from '../../sim/kit.js';

const PATH = /^\/api\/v1\/accounts\/([^/]+)\/conversations$/;
const TOKEN_HEADER = 'api_access_token';
/** The vendor's page size: it takes no size parameter. */
export const WOOT_PAGE_SIZE = 25;

const fail = (status: number, error: string, headers?: Record<string, string>): SimResponse => ({
  status,
  body: { error },
  ...(headers ? { headers } : {}),
});

type Status = 'open' | 'resolved';
export const statusOf = (c: CanonicalConversation): Status => (c.status === 'closed' ? 'resolved' : 'open');
/** Statuses the vendor knows; pending and snoozed exist there, our data has none. */
const STATUSES = ['open', 'resolved', 'pending', 'snoozed', 'all'] as const;

type Sender = 'Contact' | 'User' | 'AgentBot';
const SENDER: Record<CanonicalMessage['author'], Sender> = { customer: 'Contact', agent: 'AgentBot', human_agent: 'User', system: 'AgentBot' };
const AUTHOR: Record<Sender, MessageAuthor> = { Contact: 'customer', AgentBot: 'agent', User: 'human_agent' };

const SORTS = {
  last_activity_at_desc: (a: CanonicalConversation, b: CanonicalConversation) => b.lastActivityAt - a.lastActivityAt,
  last_activity_at_asc: (a: CanonicalConversation, b: CanonicalConversation) => a.lastActivityAt - b.lastActivityAt,
  created_at_desc: (a: CanonicalConversation, b: CanonicalConversation) => b.createdAt - a.createdAt,
  created_at_asc: (a: CanonicalConversation, b: CanonicalConversation) => a.createdAt - b.createdAt,
} as const;

const seconds = (ms: number) => Math.floor(ms / 1000);

function renderRow(c: CanonicalConversation, index: number): Record<string, unknown> {
  const last = c.messages.at(-1);
  return {
    id: index + 1,
    uuid: c.id,
    status: statusOf(c),
    created_at: seconds(c.createdAt),
    updated_at: seconds(c.updatedAt),
    timestamp: seconds(c.lastActivityAt),
    additional_attributes: { mail_subject: c.title },
    custom_attributes: { handled_by: c.handledBy },
    meta: {
      channel: c.channel,
      sender: { name: c.contact.name, email: c.contact.email, phone_number: c.contact.phone },
      assignee: { id: c.agent.id, name: c.agent.name },
    },
    last_non_activity_message: last ? { content: last.text, sender_type: SENDER[last.author], created_at: seconds(last.createdAt) } : null,
  };
}

function list(req: SimRequest, data: readonly CanonicalConversation[]): SimResponse {
  const q = req.query;
  const page = intParam(q, 'page') ?? 1;
  if (page === 'invalid' || page < 1) return fail(400, 'page must be a positive integer');
  const status = param(q, 'status') ?? 'open';
  if (!(STATUSES as readonly string[]).includes(status)) return fail(400, `status must be one of ${STATUSES.join(', ')}`);
  const sortBy = param(q, 'sort_by') ?? 'last_activity_at_desc';
  if (!Object.hasOwn(SORTS, sortBy)) return fail(400, `sort_by must be one of ${Object.keys(SORTS).join(', ')}`);

  const indexed = data.map((c, i) => ({ c, i }));
  const matches = indexed.filter(({ c }) => status === 'all' || statusOf(c) === status);
  const cmp = SORTS[sortBy as keyof typeof SORTS];
  matches.sort((a, b) => cmp(a.c, b.c) || a.i - b.i);
  const payload = matches.slice((page - 1) * WOOT_PAGE_SIZE, page * WOOT_PAGE_SIZE).map(({ c, i }) => renderRow(c, i));
  // Every conversation has an assignee: all of them count as assigned, none as the caller's own.
  return { status: 200, body: { data: { meta: { mine_count: 0, assigned_count: matches.length, unassigned_count: 0, all_count: matches.length }, payload } } };
}

function behaviour(creds: SimCredentials): VendorBehaviour {
  const self: VendorBehaviour = {
    handle(req, data) {
      if (creds.header !== undefined && req.headers[TOKEN_HEADER] !== creds.header.value) return self.error('auth', {});
      if (req.method !== 'GET' || !PATH.test(req.path)) return fail(404, 'Resource could not be found');
      return list(req, data);
    },
    error(kind, { retryAfter = 30, header = true }) {
      switch (kind) {
        case 'rateLimit':
          return fail(429, 'Too many requests', header ? { 'retry-after': String(retryAfter) } : undefined);
        case 'unavailable':
          return fail(503, 'Service unavailable');
        case 'internal':
          return fail(500, 'Internal server error');
        case 'auth':
          return fail(401, 'You need to sign in or sign up before continuing.');
      }
    },
  };
  return self;
}

function expected(c: CanonicalConversation, vendor: string, opts: { messages: boolean } = { messages: false }): Conversation {
  return {
    ...listedConversation(c, vendor, opts, (a) => AUTHOR[SENDER[a]]),
    closedAt: null, // the list says a conversation is resolved, never when
    messageCount: null, // the list counts no messages
  };
}

export const wootSimulator: SimulatorModule = {
  behaviour,
  expected,
  demoData: (seed, count) => generateConversations({ seed, count, idPrefix: 'woot', channels: ['Channel::WebWidget', 'Channel::Email', 'Channel::Whatsapp'] }),
};
