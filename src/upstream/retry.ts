/**
 * Retries a vendor GET that failed in a way a retry can fix: connection errors, 502/503/504, and 429 when
 * the vendor's Retry-After fits before the deadline. Full-jitter exponential backoff, at most `attempts`
 * tries, and a per-vendor budget so retries add at most ~budgetRatio to a struggling vendor's load.
 */
import type { Clock } from '../state/clock.js';
import { UpstreamError, type Upstream } from './client.js';

const RETRYABLE_STATUS = new Set([502, 503, 504]);

/** Per vendor: each request deposits `budgetRatio` of a retry; a retry spends one. */
class RetryBudget {
  private readonly tokens = new Map<string, number>();
  deposit(vendor: string, ratio: number, floor: number): void {
    const cap = floor + 10;
    this.tokens.set(vendor, Math.min(cap, (this.tokens.get(vendor) ?? floor) + ratio));
  }
  withdraw(vendor: string): boolean {
    const t = this.tokens.get(vendor) ?? 0;
    if (t < 1) return false;
    this.tokens.set(vendor, t - 1);
    return true;
  }
}

export function withRetry(inner: Upstream, clock: Clock, random: () => number = Math.random): Upstream {
  const budget = new RetryBudget();
  return {
    close: () => inner.close(),
    async get(vendor, req, opts) {
      const policy = vendor.retry;
      budget.deposit(vendor.name, policy.budgetRatio, policy.minRetries);
      for (let attempt = 1; ; attempt++) {
        let outcome: { res: Awaited<ReturnType<Upstream['get']>> } | { err: UpstreamError };
        try {
          outcome = { res: await inner.get(vendor, req, opts) };
        } catch (e) {
          if (!(e instanceof UpstreamError)) throw e;
          outcome = { err: e };
        }
        const give = () => {
          if ('err' in outcome) throw outcome.err;
          return outcome.res;
        };
        if (attempt >= policy.attempts || opts.signal.aborted) return give();

        let waitMs: number;
        const backoff = random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
        if ('err' in outcome) {
          if (!outcome.err.transient) return give();
          waitMs = backoff;
        } else {
          const status = outcome.res.status;
          if (status === 429 || status === 503) {
            const after = vendor.mapError(outcome.res).retryAfter;
            // A 429 without a time to come back is not retried: we'd only be guessing.
            if (status === 429 && after === null) return give();
            waitMs = Math.max(backoff, (after ?? 0) * 1000);
          } else if (RETRYABLE_STATUS.has(status)) waitMs = backoff;
          else return give();
        }
        if (clock.now() + waitMs >= opts.deadline) return give();
        if (!budget.withdraw(vendor.name)) return give();
        opts.onRetry?.();
        try {
          await clock.sleep(waitMs, opts.signal);
        } catch {
          return give();
        }
      }
    },
  };
}
