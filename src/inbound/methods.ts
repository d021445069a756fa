/**
 * Every route is read-only: a known path asked with any method but GET or HEAD is a 405 with `Allow`
 * (RFC 9110 §15.5.6), before auth or limits, rather than the 404 an unmatched method would fall through to.
 */
import type { Hono, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.js';
import { GatewayError } from '../errors/gateway-error.js';
import { rejection } from './reject.js';

export const ALLOWED_METHODS = 'GET, HEAD';

/**
 * The paths `app` serves with GET, read on first use (when every route is registered). Our routes have
 * no path parameters, so a path is known exactly when it is one of these.
 */
export function getPaths(app: Pick<Hono, 'routes'>): () => ReadonlySet<string> {
  let paths: Set<string> | undefined;
  return () => (paths ??= new Set(app.routes.filter((r) => r.method === 'GET').map((r) => r.path)));
}

export function methodGuard(known: () => ReadonlySet<string>): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD' || !known().has(c.req.path)) return next();
    // A bounded label: the path is one of ours.
    c.set('route', c.req.path);
    return rejection(c, new GatewayError('METHOD_NOT_ALLOWED', `${method} ${c.req.path}: this route serves GET and HEAD only`), { allow: ALLOWED_METHODS });
  };
}
