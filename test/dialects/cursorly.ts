/**
 * Cursorly — a test-only vendor: opaque `starting_after` cursors with `has_more`/`next_cursor` and no
 * total, HTTP Basic auth, Unix-millisecond timestamps and filters, and `{type:"error.list", errors:[…]}`
 * errors. It exists to prove the config language reaches these dialects.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Conversation, MessageAuthor } from '../../src/model/conversation.js';
import { generateConversations, type CanonicalConversation, type CanonicalMessage } from '../../sim/canonical.js';
import { param, stableHash, listedConversation } from '../../sim/common.js';
import { intParam, type SimCredentials, type SimRequest, type SimResponse, type SimulatorModule, type VendorBehaviour } from '../../sim/kit.js';

const PATH = '/v3/threads';

const fail = (status: number, code: string, message: string, headers?: Record<string, string>): SimResponse => ({
  status,
  body: { type: 'error.list', errors: [{ code, message }] },
  ...(headers ? { headers } : {}),
});
const invalid = (message: string) => fail(400, 'parameter_invalid', message);

type Role = 'end_user' | 'ai' | 'human' | 'system';
const ROLE: Record<CanonicalMessage['author'], Role> = { customer: 'end_user', agent: 'ai', human_agent: 'human', system: 'system' };
const AUTHOR: Record<Role, MessageAuthor> = { end_user: 'customer', ai: 'agent', human: 'human_agent', system: 'system' };

const ORDERS = {
  created_at: (c: CanonicalConversation) => c.createdAt,
  updated_at: (c: CanonicalConversation) => c.updatedAt,
  last_activity_at: (c: CanonicalConversation) => c.lastActivityAt,
} as const;

/** What `q` looks in: subject, the customer's name, email and phone, and the last message's text. */
function searchText(c: CanonicalConversation): string {
  return [c.title, c.contact.name, c.contact.email, c.contact.phone, c.messages.at(-1)?.text]
    .filter((s): s is string => typeof s === 'string')
    .join('\n');
}

function renderRow(c: CanonicalConversation): Record<string, unknown> {
  const last = c.messages.at(-1);
  return {
    object: 'thread',
    thread_id: c.id,
    subject: c.title,
    status: c.status,
    source: c.channel,
    created: c.createdAt,
    updated: c.updatedAt,
    last_activity: c.lastActivityAt,
    closed: c.closedAt,
    owner: { id: c.agent.id, name: c.agent.name },
    customer: { name: c.contact.name, email: c.contact.email, phone: c.contact.phone },
    last_message: last ? { text: last.text, role: ROLE[last.author], at: last.createdAt } : null,
    handled_by: c.handledBy,
    messages_total: c.messages.length,
  };
}

/**
 * A cursor is base64url JSON of the offset and a checksum over the offset and the query it belongs to,
 * so a hand-made, damaged or re-targeted cursor is refused rather than silently misread.
 */
export const encodeCursor = (offset: number, shape: string): string =>
  Buffer.from(JSON.stringify({ o: offset, s: stableHash(`${offset}|${shape}`) })).toString('base64url');

function decodeCursor(text: string, shape: string): number | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (typeof v !== 'object' || v === null) return null;
    const { o, s } = v as { o?: unknown; s?: unknown };
    return Number.isInteger(o) && (o as number) >= 0 && s === stableHash(`${o}|${shape}`) ? (o as number) : null;
  } catch {
    return null;
  }
}

/** Unix milliseconds as a plain integer, or 'invalid'. */
function msParam(q: URLSearchParams, name: string): number | null | 'invalid' {
  const v = param(q, name);
  if (v === null) return null;
  return /^\d+$/.test(v) ? Number(v) : 'invalid';
}

function list(req: SimRequest, data: readonly CanonicalConversation[]): SimResponse {
  const q = req.query;
  const limit = intParam(q, 'limit') ?? 25;
  if (limit === 'invalid' || limit < 1 || limit > 100) return invalid('limit must be an integer between 1 and 100');
  const order = param(q, 'order') ?? 'created_at';
  if (!Object.hasOwn(ORDERS, order)) return invalid('order must be one of created_at, updated_at, last_activity_at');
  const dir = param(q, 'dir') ?? 'desc';
  if (dir !== 'asc' && dir !== 'desc') return invalid('dir must be asc or desc');
  const status = param(q, 'status');
  if (status !== null && status !== 'open' && status !== 'closed') return invalid('status must be open or closed');
  const gte = msParam(q, 'created_gte');
  if (gte === 'invalid') return invalid('created_gte must be Unix milliseconds');
  const lt = msParam(q, 'created_lt');
  if (lt === 'invalid') return invalid('created_lt must be Unix milliseconds');
  const owner = param(q, 'assignee_id');
  const term = param(q, 'q')?.toLowerCase() ?? null;

  // Everything but the page size and position: a cursor is valid only for the query that made it.
  const shape = JSON.stringify([order, dir, status, owner, gte, lt, term]);
  const after = param(q, 'starting_after');
  const offset = after === null ? 0 : decodeCursor(after, shape);
  if (offset === null) return invalid('starting_after is not a valid cursor');

  const key = ORDERS[order as keyof typeof ORDERS];
  const sign = dir === 'asc' ? 1 : -1;
  const matches = data.filter(
    (c) =>
      (status === null || c.status === status) &&
      (owner === null || c.agent.id === owner) &&
      (gte === null || c.createdAt >= gte) &&
      (lt === null || c.createdAt < lt) &&
      (term === null || searchText(c).toLowerCase().includes(term)),
  );
  // Stable sort, no id tie-break: ties stay in insertion order.
  matches.sort((a, b) => sign * (key(a) - key(b)));
  const end = offset + limit;
  const more = end < matches.length;
  return {
    status: 200,
    body: {
      object: 'list',
      data: matches.slice(offset, end).map(renderRow),
      has_more: more,
      next_cursor: more ? encodeCursor(end, shape) : null,
    },
  };
}

function basicOk(headers: IncomingHttpHeaders, want: { username: string; password: string }): boolean {
  const m = /^Basic\s+(\S+)$/i.exec(headers.authorization ?? '');
  return m?.[1] !== undefined && Buffer.from(m[1], 'base64').toString('utf8') === `${want.username}:${want.password}`;
}

function behaviour(creds: SimCredentials): VendorBehaviour {
  const self: VendorBehaviour = {
    handle(req, data) {
      // With no credentials configured the simulator runs open; otherwise only that exact pair passes.
      if (creds.basic !== undefined && !basicOk(req.headers, creds.basic)) return self.error('auth', {});
      if (req.method !== 'GET' || req.path !== PATH) return fail(404, 'resource_missing', 'No such endpoint');
      return list(req, data);
    },
    error(kind, { retryAfter = 30, header = true }) {
      switch (kind) {
        case 'rateLimit':
          return fail(429, 'rate_limited', 'Too many requests', header ? { 'retry-after': String(retryAfter) } : undefined);
        case 'unavailable':
          return fail(503, 'service_unavailable', 'Cursorly is temporarily unavailable');
        case 'internal':
          return fail(500, 'server_error', 'Something went wrong on our end');
        case 'auth':
          return fail(401, 'unauthorized', 'Invalid API credentials');
      }
    },
  };
  return self;
}

function expected(c: CanonicalConversation, vendor: string, opts: { messages: boolean } = { messages: false }): Conversation {
  return listedConversation(c, vendor, opts, (a) => AUTHOR[ROLE[a]]);
}

export const cursorlySimulator: SimulatorModule = {
  behaviour,
  expected,
  searchText,
  demoData: (seed, count) => generateConversations({ seed, count, idPrefix: 'thr', channels: ['web', 'email', 'api', 'whatsapp'] }),
};
