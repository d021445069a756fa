/**
 * The upstream stack, outermost first: aborts as failures → cache (L1 in process, L2 in a shared store;
 * single-flight) → breaker → retry → (429 memory, outbound budget) → transport. Each layer is a small
 * Upstream around the next, like undici's interceptors.
 */
import type { Clock } from '../state/clock.js';
import type { StateStore } from '../state/store.js';
import { withAbortsAsFailures } from './aborted.js';
import { withCache } from './cache.js';
import { createTransport, type Upstream } from './client.js';
import { withBreaker, withRateLimits } from './guard.js';
import { withRetry } from './retry.js';

export function createUpstream(deps: { store: StateStore; clock: Clock; cacheMaxBytes?: number; transport?: Upstream }) {
  const transport = deps.transport ?? createTransport();
  const guarded = withBreaker(withRetry(withRateLimits(transport, deps.store, deps.clock), deps.clock), deps.store, deps.clock);
  const cache = withCache(guarded, deps.clock, { maxBytes: deps.cacheMaxBytes ?? 64 * 1024 * 1024, ...(deps.store.blobs ? { shared: deps.store.blobs } : {}) });
  const cached = Object.assign(withAbortsAsFailures(cache), { stats: cache.stats, statsByVendor: cache.statsByVendor });
  // The mirror sync's pages are its own: it calls below the cache (budget, 429 memory, breaker and retry still apply).
  return Object.assign(cached, { direct: withAbortsAsFailures(guarded) });
}

export { UpstreamError, type Upstream, type CallOptions } from './client.js';
