/**
 * Counts and times every HTTP request by the route pattern that matched it, never the raw path, so a
 * scan of random URLs adds no series.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { METHOD_NAME_ALL } from 'hono/router';
import type { AppEnv } from '../app-env.js';
import type { GatewayMetrics } from './metrics.js';

/** Methods Node's parser accepts are many; anything outside these is counted as `other`. */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** A guard may name the route itself (`c.set('route', …)`): a 405 on a known path, `unmatched` for a non-canonical one. */
export function httpMetrics(metrics: Pick<GatewayMetrics, 'observeRequest' | 'observeClient'>): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    let status = 500;
    try {
      await next();
      status = c.res.status;
    } finally {
      const method = METHODS.has(c.req.method) ? c.req.method : 'other';
      metrics.observeRequest({ route: c.get('route') ?? routeLabel(c), method, status }, (performance.now() - started) / 1000);
      metrics.observeClient(c.get('client')?.id, status, c.get('problem')?.code);
    }
  };
}

/**
 * The pattern of the handler route that matched (`/conversations`), or `unmatched`. Middleware
 * (`app.use`) is registered for every method, handlers for theirs: the last route with a method is the
 * handler's, even when a middleware answered first (a 401 on /conversations is counted there).
 */
export function routeLabel(c: Context): string {
  const routes = matchedRoutes(c);
  for (let i = routes.length - 1; i >= 0; i--) {
    const r = routes[i]!;
    if (r.method !== METHOD_NAME_ALL) return r.path;
  }
  return 'unmatched';
}
