/**
 * Per-client request budget: a token bucket per client id (per remote address while auth is off) in the
 * shared state store. Over budget is refused at once (429 with Retry-After), never queued. Every
 * response of a limited route carries the IETF RateLimit-Policy and RateLimit headers
 * (draft-ietf-httpapi-ratelimit-headers, structured-field form).
 */
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import type { Logger } from '../app.js';
import type { AppEnv } from '../app-env.js';
import type { RateLimitConfig } from '../config/gateway-schema.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { Clock } from '../state/clock.js';
import type { BucketSpec, StateStore, Take } from '../state/store.js';
import type { InboundConfig } from './auth.js';
import { rejection } from './reject.js';

export interface RateLimitDeps {
  store: StateStore;
  clock: Clock;
  logger: Logger;
}

type Budget = Pick<RateLimitConfig, 'perMinute' | 'burst'>;

export const bucketSpec = (b: Budget): BucketSpec => ({ ratePerSec: b.perMinute / 60, burst: b.burst, maxWaitMs: 0 });

/**
 * `RateLimit-Policy: "default";q=<burst>;w=<seconds to refill the burst>` and
 * `RateLimit: "default";r=<requests left>;t=<seconds until a token is free>`. The store reports whole
 * tokens left, not fractions: with none left, `t` is the time one token takes, an upper bound.
 */
export function rateLimitHeaders(b: Budget, take: Take): Record<string, string> {
  const perSec = b.perMinute / 60;
  const window = Math.max(1, Math.ceil(b.burst / perSec));
  const remaining = take.granted ? take.remaining : 0;
  const reset = !take.granted ? Math.ceil(take.retryAfterMs / 1000) : remaining > 0 ? 0 : Math.ceil(1 / perSec);
  return {
    'ratelimit-policy': `"default";q=${b.burst};w=${window}`,
    ratelimit: `"default";r=${remaining};t=${reset}`,
  };
}

/** The caller's address, or 'anonymous' where there is no socket (e.g. `app.request()` in tests). */
export function remoteAddress(c: Context<AppEnv>): string {
  try {
    return getConnInfo(c).remote.address ?? 'anonymous';
  } catch {
    return 'anonymous';
  }
}

export function clientRateLimit(inbound: Pick<InboundConfig, 'clients' | 'rateLimit'>, deps: RateLimitDeps): MiddlewareHandler<AppEnv> {
  const overrides = new Map<string, Budget>();
  for (const client of inbound.clients) if (client.rateLimit) overrides.set(client.id, client.rateLimit);
  return async (c, next) => {
    const client = c.get('client');
    const budget = (client && overrides.get(client.id)) ?? inbound.rateLimit;
    // Prefixed: the store also holds outbound (per-vendor) buckets.
    const key = client ? `inbound:client:${client.id}` : `inbound:ip:${remoteAddress(c)}`;
    let take: Take;
    try {
      take = await deps.store.take(key, bucketSpec(budget), deps.clock.now());
    } catch (err) {
      // A broken limiter store must not take the API down: auth still applies, the limit doesn't.
      deps.logger.error({ requestId: c.get('requestId'), key, err: { message: (err as Error).message } }, 'inbound rate limit unavailable; serving unlimited');
      await next();
      return;
    }
    const headers = rateLimitHeaders(budget, take);
    if (!take.granted) {
      const seconds = Math.ceil(take.retryAfterMs / 1000);
      const who = client ? `client ${client.id}` : 'this address';
      const err = new GatewayError('RATE_LIMITED', `${who} is over its rate limit (${budget.perMinute} per minute, bursts of ${budget.burst}); retry in ${seconds} s`, { retryAfter: seconds });
      return rejection(c, err, headers);
    }
    await next();
    // Edited in place: after the answer is made, c.header() would rebuild it, and on @hono/node-server that
    // turns a plain string body into a web stream read back chunk by chunk (the CPU profile's
    // responseViaResponseObject, the largest fixed cost of a request before this).
    const out = c.res.headers;
    for (const [k, v] of Object.entries(headers)) out.set(k, v);
  };
}
