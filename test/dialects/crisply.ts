/**
 * Crisply — a test-only, Crisp-like vendor: `GET /v1/website/{website}/conversations/{page}` (or the page
 * as `?page=`), `per_page` between 20 and 50 (a 400 outside), no total, status by two flags
 * (`filter_resolved=1`, `filter_not_resolved=1`), always newest-updated first unless `order_date_created=1`
 * sorts newest-created first (no ascending order at all), Unix-millisecond timestamps, HTTP Basic auth and
 * `{error: true, reason, data: {message}}` errors. It exists to prove the config language reaches it.
 */
import type { Conversation, MessageAuthor } from '../../src/model/conversation.js';
import { generateConversations, type CanonicalConversation, type CanonicalMessage } from '../../sim/canonical.js';
import { param, listedConversation } from '../../sim/common.js';
import { intParam, type SimCredentials, type SimRequest, type SimResponse, type SimulatorModule, type VendorBehaviour } from '../../sim/kit.js';

/** The page number is the path's last segment, or `?page=` when the path stops at `conversations`. */
const PATH = /^\/v1\/website\/([^/]+)\/conversations(?:\/([^/]+))?$/;

const fail = (status: number, reason: string, message: string, headers?: Record<string, string>): SimResponse => ({
  status,
  body: { error: true, reason, data: { message } },
  ...(headers ? { headers } : {}),
});
const invalid = (message: string) => fail(400, 'invalid_data', message);

type State = 'pending' | 'unresolved' | 'resolved';
/** Crisp-like states: an open conversation no operator has answered yet is `pending`. */
export const stateOf = (c: CanonicalConversation): State => (c.status === 'closed' ? 'resolved' : c.handledBy === 'human' ? 'unresolved' : 'pending');

type From = 'user' | 'operator' | 'bot';
/** No system sender: system notes come out as the bot's. */
const FROM: Record<CanonicalMessage['author'], From> = { customer: 'user', agent: 'bot', human_agent: 'operator', system: 'bot' };
const AUTHOR: Record<From, MessageAuthor> = { user: 'customer', bot: 'agent', operator: 'human_agent' };

function renderRow(c: CanonicalConversation, website: string): Record<string, unknown> {
  const last = c.messages.at(-1);
  return {
    session_id: c.id,
    website_id: website,
    state: stateOf(c),
    origin: c.channel,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    active: { last: c.lastActivityAt },
    meta: { nickname: c.contact.name, email: c.contact.email, phone: c.contact.phone, subject: c.title },
    assigned: { user_id: c.agent.id, nickname: c.agent.name },
    handled: c.handledBy === 'human' ? 'operator' : 'bot',
    preview_message: last ? { content: last.text, from: FROM[last.author], timestamp: last.createdAt } : null,
  };
}

/** A flag is `1` or absent; anything else is refused, as the vendor documents. */
function flag(q: URLSearchParams, name: string): boolean | 'invalid' {
  const v = param(q, name);
  return v === null ? false : v === '1' ? true : 'invalid';
}

function list(req: SimRequest, data: readonly CanonicalConversation[], website: string, pathPage: string | undefined): SimResponse {
  const q = req.query;
  const pageText = pathPage ?? param(q, 'page') ?? '1';
  if (!/^\d+$/.test(pageText) || Number(pageText) < 1) return invalid('page must be a positive integer');
  const page = Number(pageText);
  const perPage = intParam(q, 'per_page') ?? 20;
  if (perPage === 'invalid' || perPage < 20 || perPage > 50) return invalid('per_page must be between 20 and 50');
  const resolved = flag(q, 'filter_resolved');
  const notResolved = flag(q, 'filter_not_resolved');
  const byCreation = flag(q, 'order_date_created');
  if (resolved === 'invalid' || notResolved === 'invalid' || byCreation === 'invalid') return invalid('filter_resolved, filter_not_resolved and order_date_created take 1');
  if (resolved && notResolved) return invalid('filter_resolved and filter_not_resolved exclude each other');

  const matches = data.filter((c) => (!resolved || stateOf(c) === 'resolved') && (!notResolved || stateOf(c) !== 'resolved'));
  // Newest first only: by update time, or by creation time when asked. Other parameters are ignored.
  const key = byCreation ? (c: CanonicalConversation) => c.createdAt : (c: CanonicalConversation) => c.updatedAt;
  matches.sort((a, b) => key(b) - key(a) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const rows = matches.slice((page - 1) * perPage, page * perPage).map((c) => renderRow(c, website));
  return { status: 200, body: { error: false, reason: 'listed', data: rows } };
}

function behaviour(creds: SimCredentials): VendorBehaviour {
  const expected = creds.basic ? `Basic ${Buffer.from(`${creds.basic.username}:${creds.basic.password}`).toString('base64')}` : undefined;
  const self: VendorBehaviour = {
    handle(req, data) {
      if (expected !== undefined && req.headers.authorization !== expected) return self.error('auth', {});
      const m = PATH.exec(req.path);
      if (req.method !== 'GET' || !m) return fail(404, 'not_found', 'not found');
      return list(req, data, decodeURIComponent(m[1]!), m[2]);
    },
    error(kind, { retryAfter = 30, header = true }) {
      switch (kind) {
        case 'rateLimit':
          return fail(429, 'rate_limited', 'too many requests', header ? { 'retry-after': String(retryAfter) } : undefined);
        case 'unavailable':
          return fail(503, 'unavailable', 'service unavailable');
        case 'internal':
          return fail(500, 'internal_error', 'internal error');
        case 'auth':
          return fail(401, 'unauthorized', 'invalid identifier or key');
      }
    },
  };
  return self;
}

function expected(c: CanonicalConversation, vendor: string, opts: { messages: boolean } = { messages: false }): Conversation {
  return {
    ...listedConversation(c, vendor, opts, (a) => AUTHOR[FROM[a]]),
    closedAt: null, // the list says a conversation is resolved, never when
    messageCount: null, // the list counts no messages
  };
}

export const crisplySimulator: SimulatorModule = {
  behaviour,
  expected,
  demoData: (seed, count) => generateConversations({ seed, count, idPrefix: 'crs', channels: ['chat', 'email', 'messenger'] }),
};
