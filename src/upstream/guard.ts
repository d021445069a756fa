/**
 * Keeps calls off a vendor that can't take them: its circuit breaker (open after repeated failures, one
 * probe after a cool-down), its 429 memory (no call before the Retry-After it gave, believed up to
 * `upstream.maxRetryAfterMs`) and its outbound budget (a token bucket; a short bounded wait, else fail
 * fast). All state lives in the StateStore, so replicas sharing a store act as one toward the vendor.
 */
import { createHash } from 'node:crypto';
import { failure } from '../dialect/errors.js';
import type { CompiledVendor, PageRequest } from '../dialect/vendor.js';
import type { Clock } from '../state/clock.js';
import type { StateStore } from '../state/store.js';
import { abortFailure, callName, ConsumerError, RefusedCall, UpstreamError, type CallOptions, type Upstream } from './client.js';

type Account = Pick<CompiledVendor, 'name' | 'origin' | 'headers' | 'fixedParams'>;

/**
 * A breaker says whether *this origin* answers: keyed by vendor and origin, so a replica with a wrong base
 * URL (connection refused) opens only its own, never the one the healthy replicas share.
 */
export const breakerKey = (vendor: string, origin = '') => `breaker:${vendor}:${origin}`;

const accounts = new WeakMap<object, string>();
/**
 * Who we are to the vendor: origin, credentials (the headers we send) and fixed scope (a site id), hashed.
 * A Retry-After and a rate limit are about an account, not about a vendor name: another token or another
 * host has its own, and one replica misconfigured with old credentials or the wrong host must neither
 * block the others nor spend their budget.
 */
export function accountOf(v: Account): string {
  let id = accounts.get(v);
  if (id === undefined) {
    const who = JSON.stringify([v.origin, Object.entries(v.headers).sort(), v.fixedParams({ messages: false })]);
    id = createHash('sha256').update(who).digest('base64url').slice(0, 16);
    accounts.set(v, id);
  }
  return id;
}

/** The 429 memory ("don't call before") of one vendor account. */
export const blockKey = (v: Account) => `blocked:${v.name}:${accountOf(v)}`;
/** The outbound budget of one vendor account (one token bucket for every replica using it). */
export const budgetKey = (v: Account) => `outbound:${v.name}:${accountOf(v)}`;

/**
 * Every key prefix of a vendor's 429 memory and breakers, whatever the origin or credentials, and the
 * single keys versions before per-account keys used (which could hold a wait of millennia): what a reset
 * forgets. The outbound budget is not in it: it paces us, and forgetting it would only let a burst through.
 */
const resettable = (vendor: string) => ({
  blocks: `blocked:${vendor}:`,
  breakers: `breaker:${vendor}:`,
  legacy: [`blocked:${vendor}`, `breaker:${vendor}`],
});

/** Forgets a vendor's 429 memory (every account) and, with `breakers`, its breakers (every origin). */
export async function resetVendor(store: StateStore, vendor: string, opts: { breakers: boolean }): Promise<{ blocks: number; breakers: number }> {
  const keys = resettable(vendor);
  const blocks = await store.forget(keys.blocks);
  const breakers = opts.breakers ? await store.forget(keys.breakers) : 0;
  // Old single keys, exactly (a prefix would reach other vendors' names), gone for good: nothing reads them.
  for (const k of keys.legacy) await store.unblock(k);
  return { blocks, breakers };
}

/** Per attempt: 429 memory, then the outbound budget. Wraps the transport. */
export function withRateLimits(inner: Upstream, store: StateStore, clock: Clock): Upstream {
  return {
    close: () => inner.close(),
    async get(vendor, req, opts) {
      const key = blockKey(vendor);
      const now = clock.now();
      const cap = vendor.maxRetryAfterMs;
      let until = await store.blockedUntil(key);
      if (until !== null && until > now + cap) {
        // Remembered under a larger cap (a reload lowered it) or by a version that believed any wait: held to
        // the cap from now, and stored so, so that it ends.
        until = now + cap;
        await store.unblock(key);
        await store.blockUntil(key, until);
      }
      if (until !== null && until > now) {
        const seconds = Math.ceil((until - now) / 1000);
        throw new RefusedCall(failure('RATE_LIMITED', `${vendor.name} asked us to wait; not calling it for another ${seconds} s`, { retryAfter: seconds }));
      }
      if (vendor.rateLimit) await spendToken(vendor, req, store, clock, opts);
      const res = await inner.get(vendor, req, opts);
      if (res.status === 429) {
        // Already whole seconds within the cap (the error mapper bounds it); the cap again, in ms, for safety.
        const after = vendor.mapError(res).retryAfter;
        if (after !== null && after > 0) await store.blockUntil(key, clock.now() + Math.min(after * 1000, cap));
      }
      return res;
    },
  };
}

async function spendToken(vendor: CompiledVendor, req: PageRequest, store: StateStore, clock: Clock, opts: CallOptions): Promise<void> {
  const rl = vendor.rateLimit!;
  // A background caller leaves part of the burst to live requests and never queues for a token.
  const reserve = opts.reserve ? Math.min(rl.burst - 1, Math.floor(rl.burst * opts.reserve)) : 0;
  const maxWaitMs = reserve > 0 ? 0 : Math.max(0, Math.min(rl.maxWaitMs, opts.deadline - clock.now()));
  const take = await store.take(budgetKey(vendor), { ratePerSec: rl.perMinute / 60, burst: rl.burst, maxWaitMs, ...(reserve > 0 ? { reserve } : {}) }, clock.now());
  if (!take.granted) {
    const seconds = Math.ceil(take.retryAfterMs / 1000);
    const what = reserve > 0 ? `down to the ${reserve} calls kept for live requests` : 'spent';
    throw new RefusedCall(failure('RATE_LIMITED', `outbound budget for ${vendor.name} (${rl.perMinute}/min) is ${what}; next call in ${seconds} s`, { retryAfter: seconds }));
  }
  if (take.waitMs > 0) {
    opts.onWait?.(take.waitMs);
    try {
      await clock.sleep(take.waitMs, opts.signal);
    } catch {
      // The deadline (or the caller) ended the wait for our own token: the vendor was never asked.
      throw new RefusedCall(abortFailure(callName(vendor, req), opts, null, ' (waiting for an outbound token)'));
    }
  }
}

/** Per request to a vendor (retries included): the circuit breaker. Outermost layer. */
export function withBreaker(inner: Upstream, store: StateStore, clock: Clock): Upstream {
  return {
    close: () => inner.close(),
    async get(vendor, req, opts) {
      const key = breakerKey(vendor.name, vendor.origin);
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
        // A departed caller, our own limits (a budget, a size cap, a wait for a token that the deadline
        // ended) and our own consumer's failures say nothing about the vendor's health.
        const neutral =
          e instanceof RefusedCall ||
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
