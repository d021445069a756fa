/**
 * Only canonical request paths are routed. A URL parser (ours, an ingress's, a proxy's) turns
 * `/%6detrics`, `/a/%2e%2e/metrics` or `/a/../metrics` into `/metrics`, but a rule written for `/metrics`
 * at the ingress need not see them that way: what reaches a route must be the spelling that rules match.
 * A path that isn't in its one canonical form is refused (400), never redirected, so no client is ever
 * sent to a normalised path it didn't name. Not canonical:
 * - a percent-encoded unreserved character (RFC 3986 §2.3: `A-Z a-z 0-9 - . _ ~`), which a normaliser
 *   decodes (so `%2e` is a `.`);
 * - a dot segment, `.` or `..` (§5.2.4), which a normaliser removes;
 * - an empty segment (`//`), which some proxies merge; a trailing `/` is allowed (it just names no route);
 * - a backslash, which some parsers read as `/`.
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.js';
import { invalidRequest } from '../errors/gateway-error.js';
import { rawTarget } from './node.js';

const UNRESERVED = /^[A-Za-z0-9._~-]$/;

/** The path of a request target (origin form `/p?q`, or absolute form `http://host/p?q`), as sent. */
export function targetPath(target: string): string | null {
  let path = target;
  if (!path.startsWith('/')) {
    const authority = /^https?:\/\/[^/?#]*/i.exec(path);
    if (!authority) return null;
    path = path.slice(authority[0].length);
    if (!path.startsWith('/')) path = `/${path}`;
  }
  const q = path.search(/[?#]/);
  return q < 0 ? path : path.slice(0, q);
}

/** Why this request target's path isn't canonical, or null when it is. */
export function nonCanonical(target: string): string | null {
  const path = targetPath(target);
  if (path === null) return 'only absolute paths are served';
  if (path.includes('\\')) return 'contains a backslash';
  for (const m of path.matchAll(/%([0-9A-Fa-f]{2})/g)) {
    const char = String.fromCharCode(Number.parseInt(m[1]!, 16));
    if (UNRESERVED.test(char)) return `${m[0]} encodes "${char}", which must be sent as is`;
  }
  const segments = path.split('/').slice(1);
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!;
    if (s === '.' || s === '..') return `has a "${s}" segment`;
    if (s === '' && i < segments.length - 1) return 'has an empty segment (//)';
  }
  return null;
}

export function canonicalPath(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const why = nonCanonical(rawTarget(c));
    if (why !== null) {
      // Counted as unmatched: the route its normalised form would reach is not what was asked for.
      c.set('route', 'unmatched');
      throw invalidRequest([{ name: '(path)', reason: `not in canonical form: ${why}` }]);
    }
    await next();
  };
}
