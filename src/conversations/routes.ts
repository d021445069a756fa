/** The /conversations route: validate the query (or decode the cursor), then list. */
import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import { etag } from 'hono/etag';
import { zValidator } from '@hono/zod-validator';
import type { GatewayConfig } from '../config/gateway-schema.js';
import { GatewayError, invalidRequest } from '../errors/gateway-error.js';
import { CursorError } from '../merge/cursor.js';
import type { Query } from '../model/query.js';
import { buildQuerySchema, crossFieldProblems, normalizeQuery, toInvalidParams, type QueryParams } from './query-schema.js';
import { listConversations, type ListDeps, type ListResult } from './list.js';
import type { ApiClient, AppEnv } from '../app-env.js';
import { checkCursorVendors } from '../inbound/vendors.js';
import type { GatewayMetrics } from '../metrics/metrics.js';

export function conversationRoutes(gateway: GatewayConfig, deps: ListDeps, metrics?: Pick<GatewayMetrics, 'observeSources' | 'observeFailures'>) {
  // `metrics` is any observer of each answer's per-vendor outcome (the app feeds metrics and /vendors).
  // A disabled vendor is not one a caller can name.
  const enabled = deps.vendors.filter((v) => v.enabled).map((v) => v.name);
  const schema = buildQuerySchema(gateway, enabled);
  const toQuery = (p: QueryParams, client: ApiClient | undefined): Query => {
    if (p.cursor !== undefined) {
      let state;
      try {
        state = deps.cursors.decode(p.cursor);
      } catch (e) {
        if (e instanceof CursorError) throw new GatewayError('INVALID_CURSOR', `cursor ${e.message}`, { invalidParams: [{ name: 'cursor', reason: e.message }] });
        throw e;
      }
      // A cursor made for a wider client can't widen this one's view.
      checkCursorVendors(client, state.query.vendors, enabled);
      return { ...state.query, limit: p.limit ?? state.limit, offset: state.offset, after: state.after, positions: state.positions, totals: state.totals };
    }
    return normalizeQuery(p, gateway, enabled, client);
  };

  return new Hono<AppEnv>().get(
    '/',
    etag(),
    zValidator('query', schema, (result, c) => {
      const problems = [...(result.success ? [] : toInvalidParams(result.error)), ...crossFieldProblems(c.req.query())];
      if (problems.length > 0) throw invalidRequest(problems);
    }),
    async (c) => {
      const query = toQuery(c.req.valid('query'), c.get('client'));
      let result: ListResult;
      try {
        result = await listConversations(query, deps, { signal: c.req.raw.signal, requestId: c.get('requestId') });
      } catch (e) {
        // Every vendor failed: the error names each one's code (their call counts are not kept).
        if (e instanceof GatewayError && e.vendorErrors) metrics?.observeFailures(e.vendorErrors);
        throw e;
      }
      metrics?.observeSources(result.sources);
      c.set(
        'outcome',
        result.sources.map((s) => ({
          vendor: s.vendor,
          status: s.status,
          ...(s.error ? { code: s.error.code } : {}),
          fetched: s.fetched,
          dropped: s.dropped,
          retries: s.retries,
          ms: s.latencyMs,
        })),
      );
      // The ETag covers what the page says, not how it was fetched (latencies, cursor timestamps).
      c.header('etag', pageTag(result));
      c.header('cache-control', gateway.http.cacheControl);
      return c.json(result);
    },
  );
}

function pageTag(r: ListResult): string {
  const stable = { data: r.data, total: r.total, hasMore: r.hasMore, partial: r.partial, sources: r.sources.map((s) => [s.vendor, s.status, s.error?.code]) };
  return `W/"${createHash('sha1').update(JSON.stringify(stable)).digest('base64url')}"`;
}
