/**
 * Keeps calls off a vendor that can't take them: its circuit breaker (open after repeated failures, one
 * probe after a cool-down), its 429 memory (no call before the Retry-After it gave) and its outbound
 * budget (a token bucket; a short bounded wait, else fail fast). All state lives in the StateStore, so
 * replicas sharing a store act as one toward the vendor.
 */
import { failure } from '../dialect/errors.js';
import type { CompiledVendor } from '../dialect/vendor.js';
import type { Clock } from '../state/clock.js';
import type { StateStore } from '../state/store.js';
import { ConsumerError, RefusedCall, UpstreamError, type CallOptions, type Upstream } from './client.js';

export const breakerKey = (v: string) => `breaker:${v}`;
export const blockKey = (v: string) => `blocked:${v}`;
export const budgetKey = (v: string) => `outbound:${v}`;

/** Per attempt: 429 memory, then the outbound budget. Wraps the transport. */
export function withRateLimits(inner: Upstream, store: StateStore, clock: Clock): Upstream {
  return {
    close: () => inner.close(),
    async get(vendor, req, opts) {
      const now = clock.now();
      const until = await store.blockedUntil(blockKey(vendor.name));
      if (until !== null && until > now) {
        const seconds = Math.ceil((until - now) / 1000);
        throw new RefusedCall(failure('RATE_LIMITED', `${vendor.name} asked us to wait; not calling it for another ${seconds} s`, { retryAfter: seconds }));
      }
      if (vendor.rateLimit) await spendToken(vendor, store, clock, opts);
      const res = await inner.get(vendor, req, opts);
      if (res.status === 429) {
        const after = vendor.mapError(res).retryAfter;
        if (after !== null && after > 0) await store.blockUntil(blockKey(vendor.name), clock.now() + after * 1000);
      }
      return res;
    },
  };
}

async function spendToken(vendor: CompiledVendor, store: StateStore, clock: Clock, opts: CallOptions): Promise<void> {
  const rl = vendor.rateLimit!;
  // A background caller leaves part of the burst to live requests and never queues for a token.
  const reserve = opts.reserve ? Math.min(rl.burst - 1, Math.floor(rl.burst * opts.reserve)) : 0;
  const maxWaitMs = reserve > 0 ? 0 : Math.max(0, Math.min(rl.maxWaitMs, opts.deadline - clock.now()));
  const take = await store.take(budgetKey(vendor.name), { ratePerSec: rl.perMinute / 60, burst: rl.burst, maxWaitMs, ...(reserve > 0 ? { reserve } : {}) }, clock.now());
  if (!take.granted) {
    const seconds = Math.ceil(take.retryAfterMs / 1000);
    const what = reserve > 0 ? `down to the ${reserve} calls kept for live requests` : 'spent';
    throw new RefusedCall(failure('RATE_LIMITED', `outbound budget for ${vendor.name} (${rl.perMinute}/min) is ${what}; next call in ${seconds} s`, { retryAfter: seconds }));
  }
  if (take.waitMs > 0) {
    opts.onWait?.(take.waitMs);
    await clock.sleep(take.waitMs, opts.signal);
  }
}

/** Per request to a vendor (retries included): the circuit breaker. Outermost layer. */
export function withBreaker(inner: Upstream, store: StateStore, clock: Clock): Upstream {
  return {
    close: () => inner.close(),
    async get(vendor, req, opts) {
      const key = breakerKey(vendor.name);
      const cfg = vendor.breaker;
      // One read on the common path; the transitions are single atomic steps in the store.
      const rec = await store.breaker(key);
      let probing = false;
      if (rec.state !== 'closed') {
        const claim = await store.claimProbe(key, cfg.cooldownMs, clock.now());
        if (claim.verdict === 'wait') {
          const reopensIn = claim.rec.openedAt + cfg.cooldownMs - clock.now();
          const seconds = Math.max(1, Math.ceil(reopensIn / 1000));
          throw new RefusedCall(failure('UPSTREAM_UNAVAILABLE', `circuit open for ${vendor.name} after repeated failures; next probe in ${seconds} s`, { retryAfter: seconds }));
        }
        probing = claim.verdict === 'probe'; // else it closed meanwhile: an ordinary call
      }
      try {
        const res = await inner.get(vendor, req, opts);
        await store.recordBreaker(key, res.status >= 500 ? 'failure' : 'success', cfg.failureThreshold, clock.now());
        return res;
      } catch (e) {
        // A departed caller, our own limits (a budget, a size cap) and our own consumer's failures say nothing
        // about the vendor's health.
        const neutral =
          (opts.signal.aborted && !opts.timedOut()) ||
          (e instanceof UpstreamError && (e.failure.code === 'RATE_LIMITED' || e.failure.code === 'UPSTREAM_TOO_LARGE')) ||
          e instanceof ConsumerError;
        if (!neutral) await store.recordBreaker(key, 'failure', cfg.failureThreshold, clock.now());
        else if (probing) await store.recordBreaker(key, 'neutral', cfg.failureThreshold, clock.now());
        throw e;
      }
    },
  };
}
