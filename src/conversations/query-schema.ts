/**
 * The zod contract of GET /conversations' query string, built once from config (vendor names, limits).
 * Each rule's message is the `reason` a caller reads in `invalidParams`.
 */
// zod, extended with `.openapi()`: the same schemas validate requests and describe them in /openapi.json.
import { z } from '@hono/zod-openapi';
import type { GatewayConfig } from '../config/gateway-schema.js';
import type { InvalidParam } from '../errors/gateway-error.js';
import type { ApiClient } from '../app-env.js';
import { allowedVendors } from '../inbound/vendors.js';
import { MAX_CURSOR_LENGTH } from '../merge/cursor.js';
import { FILTER_NAMES, INCLUDES, ON_VENDOR_ERROR, ORDER_FIELDS, type Filters, type Include, type Query } from '../model/query.js';
import { CONVERSATION_FIELDS, type ConversationField } from '../model/conversation.js';
import type { FilterNotes } from './filter-notes.js';

/**
 * ISO 8601 date-time with a zone (Z or ±hh:mm): an instant, never a local time. Case is spelled out
 * ([Tt], [Zz]) rather than with the `i` flag so the pattern reads the same in the OpenAPI document.
 */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}:?\d{2})$/;
const MAX_VALUE_LENGTH = 200;

const once = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v, ctx) => {
    if (Array.isArray(v)) {
      ctx.addIssue({ code: 'custom', message: 'given more than once; send it once' });
      return z.NEVER;
    }
    return v;
  }, schema);

const text = (max = MAX_VALUE_LENGTH) =>
  once(z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`));

const instant = once(
  z
    .string()
    .regex(ISO_INSTANT, 'must be an ISO 8601 date-time with offset, e.g. 2024-05-01T00:00:00Z')
    .transform((s, ctx) => {
      const ms = Date.parse(s);
      if (Number.isNaN(ms) || !isCalendarDate(s)) {
        ctx.addIssue({ code: 'custom', message: 'is not a real date-time' });
        return z.NEVER;
      }
      return ms;
    }),
);

/** Date.parse rolls 2024-02-30 over to March; a caller who wrote it made a mistake we should name. */
function isCalendarDate(s: string): boolean {
  const [y, m, d] = s.slice(0, 10).split('-').map(Number) as [number, number, number];
  const daysInMonth = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const [hh, mm] = s.slice(11, 16).split(':').map(Number) as [number, number];
  return m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth && hh <= 23 && mm <= 59;
}

const int = (min: number, max: number) =>
  once(
    z
      .string()
      .regex(/^\d+$/, 'must be a whole number')
      .transform(Number)
      .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`)),
  );

const bool = once(z.enum(['true', 'false'], { message: 'must be true or false' }).transform((s) => s === 'true'));

/** A comma list of known names. `disabled` names are known but refused as such (an operator's kill switch). */
const list = <T extends string>(allowed: readonly T[], max: number, what: string, disabled: readonly string[] = []) =>
  once(
    z.string().transform((s, ctx) => {
      const parts = [...new Set(s.split(',').map((p) => p.trim()).filter(Boolean))];
      if (parts.length === 0) ctx.addIssue({ code: 'custom', message: 'must not be empty' });
      if (parts.length > max) ctx.addIssue({ code: 'custom', message: `at most ${max} ${what}` });
      const off = parts.filter((p) => disabled.includes(p));
      if (off.length > 0) ctx.addIssue({ code: 'custom', message: `disabled by the operator: ${off.join(', ')}` });
      const unknown = parts.filter((p) => !allowed.includes(p as T) && !disabled.includes(p));
      if (unknown.length > 0) {
        ctx.addIssue({ code: 'custom', message: `unknown ${what}: ${unknown.join(', ')} (known: ${allowed.join(', ')})` });
      }
      return parts as T[];
    }),
  );

// Each parameter's description and example are what /openapi.json and /docs show.
const doc = <T extends z.ZodType>(schema: T, description: string, example: string, extra: Record<string, unknown> = {}) =>
  schema.optional().openapi({ description, example, ...extra });

const includeParam = () =>
  doc(
    list<Include>(INCLUDES, INCLUDES.length, 'includes'),
    `Comma list of extras: ${INCLUDES.join(', ')} (raw: the vendor's own item; messages: every message, \`[]\` when there are none, \`null\` when the vendor can't give them).`,
    'messages',
  );

const fieldsParam = () =>
  doc(
    list<ConversationField>(CONVERSATION_FIELDS, CONVERSATION_FIELDS.length, 'fields'),
    [
      `Comma list of the properties each conversation shows (of ${CONVERSATION_FIELDS.join(', ')}); absent: all.`,
      '`id` is always kept (it orders the page and names the conversation for GET /conversations/{id}); `messages` and `raw` still need their `include`.',
      'Unknown names are a 400. A cursor keeps the selection, and the ETag covers the trimmed page.',
    ].join(' '),
    'id,title,lastActivityAt',
  );

/** The query of GET /conversations/{id}: only what shapes the one item. */
export function buildDetailQuerySchema() {
  return z.strictObject({ include: includeParam(), fields: fieldsParam() });
}
export type DetailParams = z.output<ReturnType<typeof buildDetailQuerySchema>>;

export function buildQuerySchema(g: GatewayConfig, vendorNames: readonly string[], disabledVendors: readonly string[] = [], notes?: FilterNotes) {
  const l = g.limits;
  const filter = (what: string) => `${what}. Passed to vendors that support it, checked locally on the others.`;
  const instantDoc = (what: string, bound: string) => `${what} ${bound}: ISO 8601 date-time with offset (Z or ±hh:mm).`;
  return z.strictObject({
    vendor: doc(
      list(vendorNames, l.maxVendors, 'vendors', disabledVendors),
      `Comma list of vendor names (default: every enabled vendor). Known: ${vendorNames.join(', ') || '(none)'}; at most ${l.maxVendors}.`,
      vendorNames.slice(0, 2).join(',') || 'acme',
    ),
    status: doc(once(z.enum(['open', 'closed'], { message: 'must be open or closed' })), filter('Conversation status'), 'open'),
    channel: doc(text(), filter('Channel, e.g. whatsapp, email, website'), 'whatsapp'),
    agentId: doc(text(), filter('Id of the agent handling the conversation'), 'agent-1'),
    leadId: doc(text(), notes?.leadId ?? filter('Lead id'), 'f41bb290-0404-44d7-a969-b21a7ec65b77'),
    visitorId: doc(text(), notes?.visitorId ?? filter('Visitor id'), 'f41bb290-0404-44d7-a969-b21a7ec65b77'),
    userId: doc(text(), notes?.userId ?? filter('User id'), 'f41bb290-0404-44d7-a969-b21a7ec65b77'),
    search: doc(text(l.maxSearchLength), notes?.search ?? filter('Free-text search'), 'refund'),
    createdAfter: doc(instant, instantDoc('Created at or after', '(inclusive, >=)'), '2024-03-01T00:00:00Z', { format: 'date-time' }),
    createdBefore: doc(instant, instantDoc('Created before', '(exclusive, <)'), '2024-06-01T00:00:00Z', { format: 'date-time' }),
    updatedAfter: doc(instant, instantDoc('Updated at or after', '(inclusive, >=)'), '2024-03-01T00:00:00Z', { format: 'date-time' }),
    updatedBefore: doc(instant, instantDoc('Updated before', '(exclusive, <)'), '2024-06-01T00:00:00Z', { format: 'date-time' }),
    orderBy: doc(
      once(z.enum(ORDER_FIELDS, { message: `must be one of ${ORDER_FIELDS.join(', ')}` })),
      'The instant to sort by; ties are broken by id in the same direction, nulls last.',
      'createdAt',
      { default: 'lastActivityAt' },
    ),
    orderDir: doc(once(z.enum(['asc', 'desc'], { message: 'must be asc or desc' })), 'Sort direction.', 'asc', { default: 'desc' }),
    limit: doc(int(1, l.maxLimit), `Page size, 1–${l.maxLimit}.`, '20', { default: String(l.defaultLimit) }),
    offset: doc(int(0, l.maxOffset), `Items to skip, 0–${l.maxOffset} (go deeper with cursors).`, '0', { default: '0' }),
    cursor: doc(
      once(z.string().min(1, 'must not be empty').max(MAX_CURSOR_LENGTH, `must be at most ${MAX_CURSOR_LENGTH} characters`)),
      "The nextCursor of a previous page: signed, carries the query. Only limit may be sent with it. Signed, not encrypted: its query is readable base64url JSON, so don't put secrets in filters.",
      'eyJ2IjoxfQ.c2lnbmF0dXJl',
    ),
    include: includeParam(),
    fields: fieldsParam(),
    explain: doc(bool, 'true adds the per-vendor plan (plan[]) to the response.', 'true', { default: 'false' }),
    strict: doc(bool, "true turns \"this vendor can't honour a filter\" into a 400 instead of skipping that vendor.", 'false', { default: 'false' }),
    onVendorError: doc(
      once(z.enum(ON_VENDOR_ERROR, { message: `must be one of ${ON_VENDOR_ERROR.join(', ')}` })),
      [
        'What a page does when some vendors fail.',
        '`partial`: the others answer (`partial: true`, the failure in `sources[]`); a cursor walk goes on without that vendor\'s items for the page, and every later page of the walk names it in `missed[]`.',
        '`fail`: the page fails with the vendors\' errors (the status, `Retry-After` and `errors[]` of the all-failed case); retrying the same request or cursor later continues exactly, so a walk is exact or it errors.',
        'A cursor keeps the mode of its first page.',
      ].join(' '),
      'fail',
      { default: 'partial' },
    ),
  });
}

/**
 * Rules between parameters, checked on the raw query so they are reported together with every other
 * problem (zod skips object-level refinements once any field has failed).
 */
export function crossFieldProblems(raw: Record<string, unknown>): InvalidParam[] {
  const out: InvalidParam[] = [];
  if (raw.cursor !== undefined) {
    for (const k of Object.keys(raw)) {
      if (k !== 'cursor' && k !== 'limit') out.push({ name: k, reason: 'cannot be combined with cursor (the cursor carries the query); only limit can' });
    }
  }
  for (const [a, b] of [['createdAfter', 'createdBefore'], ['updatedAfter', 'updatedBefore']] as const) {
    const lo = instant.safeParse(raw[a]);
    const hi = instant.safeParse(raw[b]);
    if (lo.success && hi.success && lo.data >= hi.data) out.push({ name: a, reason: `must be before ${b}` });
  }
  return out;
}

export type QueryParams = z.output<ReturnType<typeof buildQuerySchema>>;

/** zod issues → invalidParams, one entry per parameter and reason. */
export function toInvalidParams(error: { issues: readonly z.core.$ZodIssue[] }): InvalidParam[] {
  const out: InvalidParam[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const k of issue.keys) out.push({ name: k, reason: 'unknown parameter' });
      continue;
    }
    out.push({ name: String(issue.path[0] ?? '(query)'), reason: issue.message });
  }
  return out;
}

/** Validated parameters of a fresh query (not a cursor) → the normalized Query, defaults applied. */
export function normalizeQuery(p: QueryParams, gateway: GatewayConfig, enabledVendors: readonly string[], client?: ApiClient): Query {
  const filters: Filters = {};
  for (const name of FILTER_NAMES) {
    if (p[name] !== undefined) (filters as Record<string, unknown>)[name] = p[name];
  }
  return {
    vendors: allowedVendors(client, p.vendor, enabledVendors),
    filters,
    orderBy: p.orderBy ?? 'lastActivityAt',
    orderDir: p.orderDir ?? 'desc',
    include: p.include ?? [],
    strict: p.strict ?? false,
    explain: p.explain ?? false,
    onVendorError: p.onVendorError ?? 'partial',
    ...(p.fields ? { fields: p.fields } : {}),
    limit: p.limit ?? gateway.limits.defaultLimit,
    offset: p.offset ?? 0,
  };
}
