/**
 * The outermost layer: whatever stopped because the call's signal fired (a layer's sleep, a cache waiter,
 * a store operation, anything that rejects with the signal's DOMException) comes out as the unified
 * failure for it: UPSTREAM_TIMEOUT when the deadline passed, else "the client went away". One place, so a
 * new layer that waits on the signal can't bring back `UPSTREAM_ERROR: … aborted due to timeout`.
 */
import { abortFailure, callName, ConsumerError, UpstreamError, type Upstream } from './client.js';

export function withAbortsAsFailures(inner: Upstream): Upstream {
  return {
    close: () => inner.close(),
    async get(vendor, req, opts) {
      try {
        return await inner.get(vendor, req, opts);
      } catch (e) {
        if (e instanceof UpstreamError || e instanceof ConsumerError || !opts.signal.aborted) throw e;
        throw new UpstreamError(abortFailure(callName(vendor, req), opts));
      }
    },
  };
}
