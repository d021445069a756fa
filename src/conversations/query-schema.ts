/**
 * The zod contract of GET /conversations' query string, built once from config (vendor names, limits).
 * Each rule's message is the `reason` a caller reads in `invalidParams`.
 */
import { z } from 'zod';
import type { GatewayConfig } from '../config/gateway-schema.js';
import type { InvalidParam } from '../errors/gateway-error.js';
import type { ApiClient } from '../app-env.js';
import { allowedVendors } from '../inbound/vendors.js';
import { FILTER_NAMES, INCLUDES, ORDER_FIELDS, type Filters, type Include, type Query } from '../model/query.js';

/** ISO 8601 date-time with a zone (Z or ±hh:mm): an instant, never a local time. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;
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

const list = <T extends string>(allowed: readonly T[], max: number, what: string) =>
  once(
    z.string().transform((s, ctx) => {
      const parts = [...new Set(s.split(',').map((p) => p.trim()).filter(Boolean))];
      if (parts.length === 0) ctx.addIssue({ code: 'custom', message: 'must not be empty' });
      if (parts.length > max) ctx.addIssue({ code: 'custom', message: `at most ${max} ${what}` });
      const unknown = parts.filter((p) => !allowed.includes(p as T));
      if (unknown.length > 0) {
        ctx.addIssue({ code: 'custom', message: `unknown ${what}: ${unknown.join(', ')} (known: ${allowed.join(', ')})` });
      }
      return parts as T[];
    }),
  );

export function buildQuerySchema(g: GatewayConfig, vendorNames: readonly string[]) {
  const l = g.limits;
  return z
    .strictObject({
      vendor: list(vendorNames, l.maxVendors, 'vendors').optional(),
      status: once(z.enum(['open', 'closed'], { message: 'must be open or closed' })).optional(),
      channel: text().optional(),
      agentId: text().optional(),
      leadId: text().optional(),
      visitorId: text().optional(),
      userId: text().optional(),
      search: text(l.maxSearchLength).optional(),
      createdAfter: instant.optional(),
      createdBefore: instant.optional(),
      updatedAfter: instant.optional(),
      updatedBefore: instant.optional(),
      orderBy: once(z.enum(ORDER_FIELDS, { message: `must be one of ${ORDER_FIELDS.join(', ')}` })).optional(),
      orderDir: once(z.enum(['asc', 'desc'], { message: 'must be asc or desc' })).optional(),
      limit: int(1, l.maxLimit).optional(),
      offset: int(0, l.maxOffset).optional(),
      cursor: once(z.string().min(1, 'must not be empty').max(8192, 'is too long')).optional(),
      include: list<Include>(INCLUDES, INCLUDES.length, 'includes').optional(),
      explain: bool.optional(),
      strict: bool.optional(),
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
    limit: p.limit ?? gateway.limits.defaultLimit,
    offset: p.offset ?? 0,
  };
}
