/**
 * Bounds the /conversations requests being worked on at once (each holds vendor pages in memory) and the
 * queue of those waiting for a turn. Past both, the caller is told to come back: 503 OVERLOADED with
 * Retry-After, never an unbounded queue.
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.js';
import { GatewayError } from '../errors/gateway-error.js';

export interface OverloadLimits {
  maxConcurrent: number;
  maxQueued: number;
}

export function overloadGuard(limits: OverloadLimits): MiddlewareHandler<AppEnv> & { readonly active: number; readonly queued: number } {
  let active = 0;
  const waiting: (() => void)[] = [];
  const handler = (async (c, next) => {
    if (active >= limits.maxConcurrent) {
      if (waiting.length >= limits.maxQueued) {
        throw new GatewayError('OVERLOADED', `${active} requests in progress and ${waiting.length} waiting; try again shortly`, { retryAfter: 1 });
      }
      // The finishing request hands its slot straight over: `active` doesn't drop in between.
      await new Promise<void>((resolve) => waiting.push(resolve));
    } else active++;
    try {
      await next();
    } finally {
      const wake = waiting.shift();
      if (wake) wake();
      else active--;
    }
  }) as MiddlewareHandler<AppEnv> & { readonly active: number; readonly queued: number };
  Object.defineProperties(handler, {
    active: { get: () => active },
    queued: { get: () => waiting.length },
  });
  return handler;
}
