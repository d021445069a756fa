/**
 * Input limits checked before anything else reads the request: the URL's length (path and query) and
 * the number of query parameters. Cheap refusals for requests no valid client sends.
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.js';
import { invalidRequest } from '../errors/gateway-error.js';
import type { InboundConfig } from './auth.js';

/** The request target as sent: path and query, without scheme and host. */
export function requestTarget(url: string): string {
  const authority = url.indexOf('//');
  const path = url.indexOf('/', authority < 0 ? 0 : authority + 2);
  return path < 0 ? '/' : url.slice(path);
}

export function inputLimits(limits: Pick<InboundConfig, 'maxUrlLength' | 'maxParams'>): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const target = requestTarget(c.req.url);
    if (target.length > limits.maxUrlLength) {
      throw invalidRequest([{ name: '(url)', reason: `longer than ${limits.maxUrlLength} characters` }]);
    }
    const q = target.indexOf('?');
    if (q >= 0) {
      let params = 0;
      for (const _ of new URLSearchParams(target.slice(q + 1))) params++;
      if (params > limits.maxParams) {
        throw invalidRequest([{ name: '(query)', reason: `more than ${limits.maxParams} parameters (${params} given)` }]);
      }
    }
    await next();
  };
}
