/**
 * Every route is read-only: a known path asked with any method but GET or HEAD is a 405 with `Allow`
 * (RFC 9110 §15.5.6), before auth or limits, rather than the 404 an unmatched method would fall through to.
 */
import type { Hono, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.js';
import { GatewayError } from '../errors/gateway-error.js';
import { rejection } from './reject.js';

export const ALLOWED_METHODS = 'GET, HEAD';

/** The paths a router serves: exact ones, and those with `:param` segments (one segment each). */
export interface KnownPaths {
  /** The route pattern serving `path` (a bounded metrics label), or null. */
  match(path: string): string | null;
}

/** The paths `app` serves with GET, read on first use (when every route is registered). */
export function getPaths(app: Pick<Hono, 'routes'>): () => KnownPaths {
  let paths: KnownPaths | undefined;
  return () => (paths ??= knownPaths(app.routes.filter((r) => r.method === 'GET').map((r) => r.path)));
}

function knownPaths(routes: readonly string[]): KnownPaths {
  const exact = new Set(routes.filter((p) => !p.includes('/:') && !p.includes('*')));
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const patterns = routes
    .filter((p) => p.includes('/:'))
    .map((p) => [p, new RegExp(`^${p.split('/').map((seg) => (seg.startsWith(':') ? '[^/]+' : escape(seg))).join('/')}$`)] as const);
  return { match: (path) => (exact.has(path) ? path : (patterns.find(([, re]) => re.test(path))?.[0] ?? null)) };
}

export function methodGuard(known: () => KnownPaths): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const method = c.req.method;
    const route = method === 'GET' || method === 'HEAD' ? null : known().match(c.req.path);
    if (route === null) return next();
    // A bounded label: the pattern of one of our routes, never the path asked for.
    c.set('route', route);
    return rejection(c, new GatewayError('METHOD_NOT_ALLOWED', `${method} ${c.req.path}: this route serves GET and HEAD only`), { allow: ALLOWED_METHODS });
  };
}
