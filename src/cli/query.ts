/**
 * A GET /conversations query string → the normalized Query, as the route builds it, for tools that plan
 * without serving (explain, probe). Validation is the route's own schema and cross-field rules; the
 * normalization below mirrors the non-cursor branch of `toQuery` in src/conversations/routes.ts.
 */
import type { ApiClient } from '../app-env.js';
import type { GatewayConfig } from '../config/gateway-schema.js';
import { buildQuerySchema, crossFieldProblems, toInvalidParams, type QueryParams } from '../conversations/query-schema.js';
import type { InvalidParam } from '../errors/gateway-error.js';
import { allowedVendors } from '../inbound/vendors.js';
import { FILTER_NAMES, type Filters, type Query } from '../model/query.js';

export type ParsedQuery = { ok: true; query: Query } | { ok: false; invalid: InvalidParam[] };

/**
 * Parses `status=open&limit=5` (a leading `?` is fine) against the vendors callers may name (the enabled
 * ones). A cursor can't be planned without the key it was signed with, so it is refused.
 */
export function parseQueryString(qs: string, gateway: GatewayConfig, enabledVendors: readonly string[]): ParsedQuery {
  const search = new URLSearchParams(qs.replace(/^\?/, ''));
  // As Hono hands the query to the route: one value as a string, a repeated one as a list.
  const all: Record<string, string | string[]> = {};
  const first: Record<string, string> = {};
  for (const key of new Set(search.keys())) {
    const values = search.getAll(key);
    all[key] = values.length === 1 ? values[0]! : values;
    first[key] = values[0]!;
  }
  const result = buildQuerySchema(gateway, enabledVendors).safeParse(all);
  const invalid = [...(result.success ? [] : toInvalidParams(result.error)), ...crossFieldProblems(first)];
  if (all.cursor !== undefined) invalid.push({ name: 'cursor', reason: 'a cursor carries its own query: give that query instead' });
  if (!result.success || invalid.length > 0) return { ok: false, invalid };
  return { ok: true, query: toQuery(result.data, gateway, enabledVendors) };
}

/** The route's normalization of validated parameters (a fresh query, not a cursor); no client: unrestricted. */
export function toQuery(p: QueryParams, gateway: GatewayConfig, enabledVendors: readonly string[], client?: ApiClient): Query {
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
