/**
 * Pagebox — a test-only vendor: page number in the path until an empty page, a `{data:{meta, payload}}`
 * wrapper, Unix-second timestamps, `resolved`/`pending`/`snoozed` states, a custom key header and
 * `{error:true, reason}` errors. It exists to prove the config language reaches these dialects.
 */
import type { Conversation, MessageAuthor } from '../../src/model/conversation.js';
import { generateConversations, type CanonicalConversation, type CanonicalMessage } from '../../sim/canonical.js';
import { param, listedConversation } from '../../sim/common.js';
import { intParam, type SimCredentials, type SimRequest, type SimResponse, type SimulatorModule, type VendorBehaviour } from '../../sim/kit.js';

const PATH = /^\/api\/v1\/inbox\/conversations\/page\/([^/]+)$/;
/** The vendor's header name is fixed; only its value is a credential. */
const KEY_HEADER = 'x-pagebox-key';

const fail = (status: number, reason: string, headers?: Record<string, string>): SimResponse => ({
  status,
  body: { error: true, reason },
  ...(headers ? { headers } : {}),
});

type State = 'resolved' | 'pending' | 'snoozed';
/** Pagebox parks human-handled open conversations as snoozed (waiting on an operator). */
export const stateOf = (c: CanonicalConversation): State =>
  c.status === 'closed' ? 'resolved' : c.handledBy === 'human' ? 'snoozed' : 'pending';

type Sender = 'customer' | 'bot' | 'operator';
/** Pagebox has no system sender: system notes come out as the bot's. */
const SENDER: Record<CanonicalMessage['author'], Sender> = { customer: 'customer', agent: 'bot', human_agent: 'operator', system: 'bot' };
const AUTHOR: Record<Sender, MessageAuthor> = { customer: 'customer', bot: 'agent', operator: 'human_agent' };

const SORTS = {
  created: (c: CanonicalConversation) => c.createdAt,
  updated: (c: CanonicalConversation) => c.updatedAt,
  activity: (c: CanonicalConversation) => c.lastActivityAt,
} as const;

const seconds = (ms: number) => Math.floor(ms / 1000);

function renderRow(c: CanonicalConversation): Record<string, unknown> {
  const last = c.messages.at(-1);
  return {
    uid: c.id,
    subject: c.title,
    state: stateOf(c),
    channel: c.channel,
    created_at: seconds(c.createdAt),
    updated_at: seconds(c.updatedAt),
    last_activity_at: seconds(c.lastActivityAt),
    assignee: { id: c.agent.id, display_name: c.agent.name },
    requester: { full_name: c.contact.name, email: c.contact.email, phone: c.contact.phone },
    msg_count: c.messages.length,
    last_msg: last ? { body: last.text, sender: SENDER[last.author], ts: seconds(last.createdAt) } : null,
    is_human: c.handledBy === 'human',
  };
}

function list(req: SimRequest, data: readonly CanonicalConversation[], pageText: string): SimResponse {
  const q = req.query;
  if (!/^\d+$/.test(pageText) || Number(pageText) < 1) return fail(400, 'page must be a positive integer');
  const page = Number(pageText);
  const perPage = intParam(q, 'per_page') ?? 20;
  if (perPage === 'invalid' || perPage < 1 || perPage > 50) return fail(400, 'per_page must be between 1 and 50');
  const sort = param(q, 'sort') ?? 'created';
  if (!Object.hasOwn(SORTS, sort)) return fail(400, 'sort must be one of created, updated, activity');
  // Upper case only, as the vendor documents it.
  const direction = param(q, 'direction') ?? 'DESC';
  if (direction !== 'ASC' && direction !== 'DESC') return fail(400, 'direction must be ASC or DESC');
  const state = param(q, 'state');
  if (state !== null && state !== 'resolved' && state !== 'pending' && state !== 'snoozed') {
    return fail(400, 'state must be one of resolved, pending, snoozed');
  }
  const channel = param(q, 'channel');

  const key = SORTS[sort as keyof typeof SORTS];
  const sign = direction === 'ASC' ? 1 : -1;
  const matches = data.filter((c) => (state === null || stateOf(c) === state) && (channel === null || c.channel === channel));
  // Stable sort with no id tie-break: ties stay in insertion order, so the gateway must break them itself.
  matches.sort((a, b) => sign * (key(a) - key(b)));
  const payload = matches.slice((page - 1) * perPage, page * perPage).map(renderRow);
  return { status: 200, body: { data: { meta: { page, per_page: perPage, total: matches.length }, payload } } };
}

function behaviour(creds: SimCredentials): VendorBehaviour {
  const self: VendorBehaviour = {
    handle(req, data) {
      // With no key configured the simulator runs open; otherwise only that exact key passes.
      if (creds.header !== undefined && req.headers[KEY_HEADER] !== creds.header.value) return self.error('auth', {});
      const m = PATH.exec(req.path);
      if (req.method !== 'GET' || !m) return fail(404, 'not found');
      return list(req, data, m[1]!);
    },
    error(kind, { retryAfter = 30, header = true }) {
      switch (kind) {
        case 'rateLimit':
          return fail(429, 'too many requests', header ? { 'retry-after': String(retryAfter) } : undefined);
        case 'unavailable':
          return fail(503, 'maintenance in progress');
        case 'internal':
          return fail(500, 'internal error');
        case 'auth':
          return fail(401, 'invalid or missing X-Pagebox-Key');
      }
    },
  };
  return self;
}

function expected(c: CanonicalConversation, vendor: string, opts: { messages: boolean } = { messages: false }): Conversation {
  return {
    ...listedConversation(c, vendor, opts, (a) => AUTHOR[SENDER[a]]),
    closedAt: null, // Pagebox says a conversation is resolved, never when
  };
}

export const pageboxSimulator: SimulatorModule = {
  behaviour,
  expected,
  demoData: (seed, count) => generateConversations({ seed, count, idPrefix: 'pbx', channels: ['email', 'chat', 'whatsapp', 'sms'] }),
};
