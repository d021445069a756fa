/**
 * A GET /conversations query string → the normalized Query, as the route builds it, for tools that plan
 * without serving (explain, probe): the route's own schema, cross-field rules and normalization.
 */
import type { GatewayConfig } from '../config/gateway-schema.js';
import { buildQuerySchema, crossFieldProblems, normalizeQuery, toInvalidParams } from '../conversations/query-schema.js';
import type { InvalidParam } from '../errors/gateway-error.js';
import type { Query } from '../model/query.js';

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
  return { ok: true, query: normalizeQuery(result.data, gateway, enabledVendors) };
}
