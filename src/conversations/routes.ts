/**
 * The /conversations route: validate the query (or decode the cursor), then list. Its contract (query,
 * responses) is declared with @hono/zod-openapi from the same zod schema that validates the request.
 */
import { createHash } from 'node:crypto';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { etag } from 'hono/etag';
import type { GatewayConfig } from '../config/gateway-schema.js';
import { GatewayError, invalidRequest, type VendorFailure } from '../errors/gateway-error.js';
import { CursorError } from '../merge/cursor.js';
import type { Query } from '../model/query.js';
import { buildDetailQuerySchema, buildQuerySchema, crossFieldProblems, normalizeQuery, toInvalidParams, type QueryParams } from './query-schema.js';
import { listConversations, type ListDeps, type ListResult } from './list.js';
import { pageJson } from './page-json.js';
import { getConversation, type DetailResult } from './detail.js';
import { filterNotes } from './filter-notes.js';
import { selectFields } from '../model/conversation.js';
import { ConversationDetailSchema, ConversationListSchema } from './response-schema.js';
import { API_KEY_SECURITY, problemResponses, REQUEST_ID_HEADERS } from '../openapi/responses.js';
import type { ApiClient, AppEnv } from '../app-env.js';
import { checkCursorVendors } from '../inbound/vendors.js';
import type { GatewayMetrics } from '../metrics/metrics.js';

export function conversationRoutes(gateway: GatewayConfig, deps: ListDeps, metrics?: Pick<GatewayMetrics, 'observeSources' | 'observeFailures'>) {
  // `metrics` is any observer of each answer's per-vendor outcome (the app feeds metrics and /vendors).
  // A disabled vendor is not one a caller can name.
  const enabled = deps.vendors.filter((v) => v.enabled).map((v) => v.name);
  const disabled = deps.vendors.filter((v) => !v.enabled).map((v) => v.name);
  const schema = buildQuerySchema(gateway, enabled, disabled, filterNotes(deps.vendors));
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
      return {
        ...state.query,
        // Cursors issued before onVendorError existed walk best-effort, as they did.
        onVendorError: state.query.onVendorError ?? 'partial',
        limit: p.limit ?? state.limit,
        offset: state.offset,
        after: state.after,
        positions: state.positions,
        totals: state.totals,
        ...(state.snapshots ? { snapshots: state.snapshots } : {}),
        ...(state.missed ? { missed: state.missed } : {}),
      };
    }
    return normalizeQuery(p, gateway, enabled, client);
  };

  // Responses name a failed vendor's path, never its host; the log line adds the origin it was called at.
  const origins = new Map(deps.vendors.map((v) => [v.name, v.origin]));
  const failed = (vendor: string, f: VendorFailure) => ({ code: f.code, message: f.message, ...(origins.get(vendor) ? { origin: origins.get(vendor)! } : {}) });

  const route = createRoute({
    method: 'get',
    path: '/conversations',
    operationId: 'listConversations',
    tags: ['Conversations'],
    summary: 'List conversations across vendors',
    description: [
      'One page of conversations from every included vendor, merged in one exact order (orderBy, then id; nulls last).',
      'Filters are pushed to vendors that support them and checked locally on the others; `explain=true` shows the plan.',
      'Follow `nextCursor` (send it as `cursor`, with at most `limit`) to walk every match once, in order.',
      'Unknown or repeated parameters are a 400, as are `*After` >= `*Before` and anything but `limit` next to `cursor`.',
      'When some vendors fail the others still answer (`partial: true`, and a walk names in `missed[]` every vendor whose items it skipped); when every included vendor fails, or any fails under `onVendorError=fail`, the answer is the failure (429, 502, 503 or 504) with each vendor\'s error in `errors[]`.',
    ].join('\n\n'),
    security: API_KEY_SECURITY,
    middleware: [etag()] as const,
    request: { query: schema },
    responses: {
      200: {
        description: 'A page of conversations.',
        headers: {
          ...REQUEST_ID_HEADERS,
          ETag: { description: 'Weak ETag over what the page says; send it back as If-None-Match.', schema: { type: 'string' } },
          'Cache-Control': { description: 'http.cacheControl (default: private, no-cache).', schema: { type: 'string' } },
        },
        content: { 'application/json': { schema: ConversationListSchema } },
      },
      304: { description: 'Not modified: the page is unchanged since the If-None-Match ETag.' },
      ...problemResponses(['INVALID_REQUEST', 'INVALID_CURSOR', 'UNAUTHORIZED', 'FORBIDDEN', 'RATE_LIMITED', 'INTERNAL_ERROR', 'UPSTREAM_ERROR', 'UPSTREAM_AUTH_FAILED', 'UPSTREAM_REJECTED', 'UPSTREAM_INVALID_RESPONSE', 'UPSTREAM_TOO_LARGE', 'UPSTREAM_UNAVAILABLE', 'OVERLOADED', 'UPSTREAM_TIMEOUT']),
    },
  });

  const detailRoute = createRoute({
    method: 'get',
    path: '/conversations/{id}',
    operationId: 'getConversation',
    tags: ['Conversations'],
    summary: 'One conversation by its unified id',
    description: [
      'The conversation `id` names (`<vendor>:<the vendor\'s id>`, as in a listed item\'s `id`).',
      "A mirrored vendor answers from its mirror (`source.mode: mirror`); a vendor whose config declares a detail request is asked for it (`live`), also when its mirror doesn't hold the conversation yet.",
      "404 `NOT_FOUND` names the id and says why: the vendor holds no such conversation, no vendor has that name, the vendor is disabled, or it can't be read by id (no detail request and no mirror).",
      'A malformed id is a 400; a vendor the API key may not read is a 403; a vendor failing maps as on the list (502, 503, 504, 429 with `Retry-After`), with its error in `errors[]`.',
    ].join('\n\n'),
    security: API_KEY_SECURITY,
    middleware: [etag()] as const,
    request: {
      params: z.object({
        id: z.string().min(1).openapi({ param: { name: 'id', in: 'path' }, description: "`<vendor>:<the vendor's id>`; percent-encode a `/` in the vendor's id.", example: 'acme:c-1001' }),
      }),
      query: buildDetailQuerySchema(),
    },
    responses: {
      200: {
        description: 'The conversation.',
        headers: {
          ...REQUEST_ID_HEADERS,
          ETag: { description: 'Weak ETag over the conversation as shown; send it back as If-None-Match.', schema: { type: 'string' } },
          'Cache-Control': { description: 'http.cacheControl (default: private, no-cache).', schema: { type: 'string' } },
        },
        content: { 'application/json': { schema: ConversationDetailSchema } },
      },
      304: { description: 'Not modified: the conversation is unchanged since the If-None-Match ETag.' },
      ...problemResponses(['INVALID_REQUEST', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'RATE_LIMITED', 'INTERNAL_ERROR', 'UPSTREAM_ERROR', 'UPSTREAM_AUTH_FAILED', 'UPSTREAM_REJECTED', 'UPSTREAM_INVALID_RESPONSE', 'UPSTREAM_UNAVAILABLE', 'OVERLOADED', 'UPSTREAM_TIMEOUT']),
    },
  });

  const app = new OpenAPIHono<AppEnv>().openapi(
    detailRoute,
    async (c) => {
      const { id } = c.req.valid('param');
      const q = c.req.valid('query');
      let result: DetailResult;
      try {
        result = await getConversation(id, q.include ?? [], c.get('client'), deps, { signal: c.req.raw.signal, requestId: c.get('requestId') });
      } catch (e) {
        if (e instanceof GatewayError && e.vendorErrors) metrics?.observeFailures(e.vendorErrors);
        throw e;
      }
      // The vendor's part counts in the metrics, /vendors health and the log line as a page's does.
      const src = result.source;
      const fetched = src.mode === 'live' ? 1 : 0;
      metrics?.observeSources([{ vendor: src.vendor, status: 'ok', mode: src.mode, total: null, fetched, calls: src.calls, dropped: 0, latencyMs: src.latencyMs, retries: 0 }]);
      c.set('outcome', [{ vendor: src.vendor, status: 'ok', mode: src.mode, fetched, dropped: 0, retries: 0, ms: src.latencyMs }]);
      const body: DetailResult = { ...result, data: selectFields(result.data, q.fields) };
      c.header('etag', detailTag(body));
      c.header('cache-control', gateway.http.cacheControl);
      return c.json(body, 200);
    },
    (result) => {
      if (!result.success) throw invalidRequest(toInvalidParams(result.error));
    },
  );

  return app.openapi(
    route,
    async (c) => {
      const query = toQuery(c.req.valid('query'), c.get('client'));
      let result: ListResult;
      try {
        result = await listConversations(query, deps, { signal: c.req.raw.signal, requestId: c.get('requestId') });
      } catch (e) {
        // Every vendor failed: the error names each one's code (their call counts are not kept).
        if (e instanceof GatewayError && e.vendorErrors) {
          metrics?.observeFailures(e.vendorErrors);
          c.set('outcome', e.vendorErrors.map((f) => ({ vendor: f.vendor, status: 'error', mode: 'live', ...failed(f.vendor, f), fetched: 0, dropped: 0, retries: 0, ms: 0 })));
        }
        throw e;
      }
      metrics?.observeSources(result.sources);
      c.set(
        'outcome',
        result.sources.map((s) => ({
          vendor: s.vendor,
          status: s.status,
          mode: s.mode,
          ...(s.error ? failed(s.vendor, s.error) : {}),
          fetched: s.fetched,
          dropped: s.dropped,
          retries: s.retries,
          ms: s.latencyMs,
        })),
      );
      // The ETag covers what the page says, not how it was fetched (latencies, cursor timestamps). The page
      // is serialized once for both (what c.json would send, byte for byte).
      const page = pageJson(result);
      c.header('etag', pageTag(page.stable));
      c.header('cache-control', gateway.http.cacheControl);
      return c.body(page.body, 200, { 'content-type': 'application/json' });
    },
    (result, c) => {
      const problems = [...(result.success ? [] : toInvalidParams(result.error)), ...crossFieldProblems(c.req.query())];
      if (problems.length > 0) throw invalidRequest(problems);
    },
  );
}

function detailTag(r: DetailResult): string {
  return `W/"${createHash('sha1').update(JSON.stringify(r.data)).digest('base64url')}"`;
}

function pageTag(stable: string): string {
  return `W/"${createHash('sha1').update(stable).digest('base64url')}"`;
}
