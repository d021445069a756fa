/**
 * SiteAssist — GET /v2/conversations: offset paging with an exact total, server-side order, and the
 * `lastInterationAt` misspelling mid-rename (shared/vendors.md).
 */
import type { Conversation, MessageAuthor } from '../src/model/conversation.js';
import { generateConversations, type CanonicalConversation, type CanonicalMessage } from './canonical.js';
import { bearerToken, listedConversation } from './common.js';
import { intParam, iso, type SimCredentials, type SimRequest, type SimResponse, type SimulatorModule, type VendorBehaviour } from './kit.js';

const PATH = '/v2/conversations';

const fail = (status: number, code: string, message: string, details?: Record<string, unknown>): SimResponse => ({
  status,
  body: { error: { message, code, ...(details ? { details } : {}) } },
});
const validation = (field: string, reason: string) => fail(422, 'VALIDATION_ERROR', 'Validation failed', { field, reason });

type Role = 'user' | 'assistant' | 'human_agent';
/** SiteAssist has no system role: system notes come out as the assistant's. */
const ROLE: Record<CanonicalMessage['author'], Role> = { customer: 'user', agent: 'assistant', human_agent: 'human_agent', system: 'assistant' };
const AUTHOR: Record<Role, MessageAuthor> = { user: 'customer', assistant: 'agent', human_agent: 'human_agent' };

type SortValue = number | string | null;
/** Sort keys per orderBy value; both spellings of the renamed field are accepted. */
const SORT_KEYS: Record<string, (c: CanonicalConversation) => SortValue> = {
  id: (c) => c.id,
  createdAt: (c) => c.createdAt,
  updatedAt: (c) => c.updatedAt,
  lastInterationAt: (c) => c.lastActivityAt,
  lastInteractionAt: (c) => c.lastActivityAt,
  status: (c) => c.status,
  closedAt: (c) => c.closedAt,
  isHumanHandled: (c) => (c.handledBy === 'human' ? 1 : 0),
  title: (c) => c.title,
};

/** Which spelling of the last-interaction field rows carry. */
export type Spelling = 'legacy' | 'current' | 'mixed';

function renderRow(c: CanonicalConversation, legacy: boolean): Record<string, unknown> {
  const human = c.handledBy === 'human';
  const last = c.messages.at(-1);
  return {
    object: 'conversation',
    id: c.id,
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
    status: c.status,
    closedAt: iso(c.closedAt),
    closeReason: c.status === 'closed' ? 'resolved' : null,
    [legacy ? 'lastInterationAt' : 'lastInteractionAt']: iso(c.lastActivityAt),
    isHumanHandled: human,
    humanAgent: human ? { name: c.agent.name, image: null } : null,
    lastMessage: last
      ? {
          object: 'message',
          id: last.id,
          createdAt: iso(last.createdAt),
          chatId: c.id,
          role: ROLE[last.author],
          parts: [{ type: 'text', text: last.text }],
          status: 'sent',
          error: null,
        }
      : null,
    title: c.title,
  };
}

/** Nulls last in both directions, like `NULLS LAST`. Equal keys compare 0 so a stable sort keeps insertion order. */
function compare(a: SortValue, b: SortValue, dir: 'asc' | 'desc'): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  const r = a < b ? -1 : 1;
  return dir === 'asc' ? r : -r;
}

function list(req: SimRequest, data: readonly CanonicalConversation[], spelling: Spelling): SimResponse {
  const q = req.query;
  const limit = intParam(q, 'limit') ?? 10;
  if (limit === 'invalid' || limit < 1 || limit > 100) return validation('limit', 'Must be an integer between 1 and 100');
  // The page types offset as `number | null`, so a literal `null` means the default.
  const offset = q.get('offset') === 'null' ? 0 : intParam(q, 'offset') ?? 0;
  if (offset === 'invalid' || offset < 0) return validation('offset', 'Must be an integer greater than or equal to 0');
  const status = q.get('status');
  if (status !== null && status !== 'open' && status !== 'closed') return validation('status', "Must be one of 'open', 'closed'");
  const orderBy = q.get('orderBy') ?? 'lastInterationAt';
  const key = Object.hasOwn(SORT_KEYS, orderBy) ? SORT_KEYS[orderBy] : undefined;
  if (!key) return validation('orderBy', `Must be one of ${Object.keys(SORT_KEYS).join(', ')}`);
  const orderDir = q.get('orderDir') ?? 'desc';
  if (orderDir !== 'asc' && orderDir !== 'desc') return validation('orderDir', "Must be one of 'asc', 'desc'");

  const matches = data.filter((c) => status === null || c.status === status);
  // Array#sort is stable and there is deliberately no id tie-break: real databases give ties in storage order.
  matches.sort((a, b) => compare(key(a), key(b), orderDir));
  const page = matches.slice(offset, offset + limit);
  const legacy = (i: number) => spelling === 'legacy' || (spelling === 'mixed' && i % 2 === 0);
  return {
    status: 200,
    body: { object: 'list', total: matches.length, limit, offset, data: page.map((c, i) => renderRow(c, legacy(i))) },
  };
}

/** GET /v2/conversations/{id}: the list's row alone, or the page's 404 naming the id. */
function one(id: string, data: readonly CanonicalConversation[], spelling: Spelling): SimResponse {
  const c = data.find((x) => x.id === id);
  if (!c) return fail(404, 'CONVERSATION_NOT_FOUND', 'Conversation not found!', { conversationId: id });
  return { status: 200, body: renderRow(c, spelling !== 'current') };
}

/**
 * The vendor's behaviour. `spelling` defaults to `mixed`: even rows of a page say `lastInterationAt`, odd
 * ones `lastInteractionAt`, as during a rolling upgrade when both releases answer.
 */
export function siteassistBehaviour(creds: SimCredentials, opts: { spelling?: Spelling } = {}): VendorBehaviour {
  const spelling = opts.spelling ?? 'mixed';
  const self: VendorBehaviour = {
    handle(req, data) {
      if (creds.bearer !== undefined && bearerToken(req.headers) !== creds.bearer) return self.error('auth', {});
      if (req.method === 'GET' && req.path.startsWith(`${PATH}/`)) return one(decodeURIComponent(req.path.slice(PATH.length + 1)), data, spelling);
      if (req.method !== 'GET' || req.path !== PATH) return fail(404, 'NOT_FOUND', 'Not found');
      return list(req, data, spelling);
    },
    // SiteAssist never sends Retry-After: the wait is only in details.retryAfter.
    error(kind, { retryAfter = 30 }) {
      switch (kind) {
        case 'rateLimit':
          return fail(429, 'RATE_LIMIT_EXCEEDED', 'Rate limit exceeded. Please try again later.', { retryAfter });
        case 'unavailable':
          return fail(503, 'SERVICE_UNAVAILABLE', 'Service temporarily unavailable', { retryAfter: 30 });
        case 'internal':
          return fail(500, 'INTERNAL_SERVER_ERROR', 'An internal server error occurred');
        case 'auth':
          return fail(401, 'UNAUTHORIZED', 'Authentication required');
      }
    },
  };
  return self;
}

function expected(c: CanonicalConversation, vendor: string, opts: { messages: boolean } = { messages: false }): Conversation {
  const human = c.handledBy === 'human';
  // SiteAssist's list gives only the last message: asked for, messages are null (it can't give them).
  return {
    ...listedConversation(c, vendor, opts, (a) => AUTHOR[ROLE[a]]),
    channel: 'website', // SiteAssist is a website widget; it has no other channel
    handledBy: human ? 'human' : 'ai',
    agent: human ? { id: null, name: c.agent.name } : null,
    contact: null,
    messageCount: null,
  };
}

export const siteassistSimulator: SimulatorModule = {
  behaviour: (creds) => siteassistBehaviour(creds),
  expected,
  demoData: (seed, count) => generateConversations({ seed, count, idPrefix: 'sia', uuidIds: true, channels: ['website'] }),
};
