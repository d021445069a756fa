/**
 * One SERVER span per request, child of the caller's `traceparent` when it sent one. Named and labelled
 * with the route pattern (never the raw path's ids or the query), the status, the request id and the
 * configured client id. While tracing is off it is a pass-through.
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.js';
import { routeLabel } from '../metrics/http.js';
import { callerContext, failSpan, startServerSpan, tracingOn, withSpan } from './tracing.js';

/** Probes and scrapes, every few seconds from every replica: traces of them would drown the ones that matter. */
const UNTRACED = new Set(['/healthz', '/readyz', '/metrics']);

export function requestSpan(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!tracingOn() || UNTRACED.has(c.req.path)) return next();
    const span = startServerSpan(c.req.method, callerContext(c.req.raw.headers));
    try {
      await withSpan(span, next);
    } finally {
      const route = c.get('route') ?? routeLabel(c);
      const status = c.res.status;
      const client = c.get('client');
      span.updateName(`${c.req.method} ${route}`);
      span.setAttributes({
        'http.request.method': c.req.method,
        'http.route': route,
        'url.path': c.req.path,
        'http.response.status_code': status,
        'switchboard.request_id': c.get('requestId') ?? '',
        ...(client ? { 'switchboard.client_id': client.id } : {}),
      });
      const problem = c.get('problem');
      if (problem) span.setAttribute('switchboard.problem_code', problem.code);
      if (status >= 500) failSpan(span, problem?.code ?? 'INTERNAL_ERROR');
      span.end();
    }
  };
}
