/**
 * What every listener's app does around its routes (the main app and the metrics listener's): counts and
 * times each answer, gives it a request id and a log line, refuses non-canonical paths and methods a
 * known path doesn't serve, and renders every refusal and failure as problem+json with X-Request-Id.
 * While the process isn't ready (draining after SIGTERM), every answer says `Connection: close`, so a
 * client opens its next request elsewhere instead of reusing a connection that is about to close.
 */
import { randomUUID } from 'node:crypto';
import type { Hono } from 'hono';
import type { Logger } from '../app.js';
import type { AppEnv } from '../app-env.js';
import { GatewayError } from '../errors/gateway-error.js';
import { problemResponse } from '../errors/problem.js';
import { httpMetrics } from '../metrics/http.js';
import { requestSpan } from '../tracing/request-span.js';
import { tracingOn } from '../tracing/tracing.js';
import type { GatewayMetrics } from '../metrics/metrics.js';
import { canonicalPath, targetPath } from './canonical-path.js';
import { getPaths, methodGuard } from './methods.js';
import { rawTarget } from './node.js';
import { noteProblem } from './reject.js';
import { requestIdFrom } from './request-id.js';
import { levelFor, maskedQuery } from './request-log.js';

export interface FrontDoorDeps {
  metrics: Pick<GatewayMetrics, 'observeRequest' | 'observeClient'>;
  logger: Logger;
  /** Where each answer's request line goes (default: `logger`); server.ts passes one whose lines are batched. */
  requestLogger?: Pick<Logger, 'info' | 'warn'>;
  /** False while starting or draining. */
  ready?: () => boolean;
}

export function frontDoor(app: Hono<AppEnv>, deps: FrontDoorDeps): void {
  // First, so every answer is in its span and every log line below carries its trace id. Only registered
  // with tracing on (server.ts starts it before building the app): off, requests don't pass through it at all.
  if (tracingOn()) app.use(requestSpan());
  // Then, so it times and counts every answer, refusals included.
  app.use(httpMetrics(deps.metrics));
  const requestLog = deps.requestLogger ?? deps.logger;
  app.use(async (c, next) => {
    const id = requestIdFrom(c.req.header('x-request-id'));
    c.set('requestId', id);
    // Set before the handler, so the answers it builds with c.body/c.json carry it from the start: after
    // the answer is made, c.header() would rebuild it and copy its body (3.5 MB for the /docs script).
    c.header('x-request-id', id);
    const started = performance.now();
    await next();
    // Answers built without c (problem+json refusals) are edited in place, for the same reason.
    const headers = c.res.headers;
    if (!headers.has('x-request-id')) headers.set('x-request-id', id);
    // Read when the answer is ready, so a request that began before the drain is told too.
    if (deps.ready && !deps.ready()) headers.set('connection', 'close');
    const client = c.get('client');
    const vendors = c.get('outcome');
    const problem = c.get('problem');
    const target = rawTarget(c);
    const query = maskedQuery(target);
    const status = c.res.status;
    const line = {
      requestId: id,
      method: c.req.method,
      // As sent (without the query): a refused `/a/%2e%2e/metrics` is logged as that, not as `/metrics`.
      path: targetPath(target) ?? c.req.path,
      ...(query !== undefined ? { query } : {}),
      status,
      ms: Math.round(performance.now() - started),
      ...(client ? { clientId: client.id } : {}),
      ...(problem ? { code: problem.code, ...(problem.invalidParams ? { invalidParams: problem.invalidParams } : {}) } : {}),
      ...(vendors ? { vendors } : {}),
    };
    requestLog[levelFor(status)](line, 'request');
    // Items a vendor sent that could not be mapped are dropped from the page: say so once per request.
    for (const v of vendors ?? []) {
      if (v.dropped > 0) deps.logger.warn({ requestId: id, vendor: v.vendor, dropped: v.dropped }, 'dropped vendor items that could not be mapped (no id or unreadable timestamp)');
    }
  });
  app.use(canonicalPath());
  app.use(methodGuard(getPaths(app)));

  app.notFound((c) => {
    const err = new GatewayError('NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`);
    noteProblem(c, err);
    return problemResponse(err, c.get('requestId') ?? randomUUID());
  });
  app.onError((err, c) => {
    const requestId = c.get('requestId') ?? randomUUID();
    if (err instanceof GatewayError) {
      noteProblem(c, err);
      return problemResponse(err, requestId);
    }
    c.set('problem', { code: 'INTERNAL_ERROR' });
    deps.logger.error({ requestId, err: { message: err.message, stack: err.stack } }, 'unhandled error');
    return problemResponse(new GatewayError('INTERNAL_ERROR', 'an internal error occurred; quote the requestId when reporting it'), requestId);
  });
}
