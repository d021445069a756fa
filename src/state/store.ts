/**
 * The small state every replica must agree on: token buckets (outbound budgets, per-client limits),
 * "don't call before" times (429 memory) and circuit-breaker records. In memory here; a shared store
 * (Redis) implements the same interface for several replicas. Async so either can stand behind it.
 */
import { LRUCache } from 'lru-cache';

export interface BucketSpec {
  /** Tokens added per second. */
  ratePerSec: number;
  /** Most tokens held (the burst). */
  burst: number;
  /** How far into the future a caller may reserve (ms): bounds any queue. 0: no reservations. */
  maxWaitMs: number;
  /**
   * Tokens this caller must leave in the bucket (a background caller keeps some for everyone else): granted
   * only while more than this many remain; no reservations.
   */
  reserve?: number;
}

/** Granted now (`waitMs` 0), granted after `waitMs`, or refused with the time until a token frees up. */
export type Take = { granted: true; waitMs: number; remaining: number } | { granted: false; retryAfterMs: number };

export interface BreakerRecord {
  state: 'closed' | 'open' | 'half-open';
  /** Consecutive failures while closed. */
  failures: number;
  /** When it last opened (epoch ms). */
  openedAt: number;
  /** A half-open probe is in flight. */
  probing: boolean;
}

/**
 * Values every replica can read (the second level of the vendor-response cache) and short leases, so that
 * of N replicas wanting the same value one makes it while the others wait for it. Only a shared store has
 * them: in one process the in-memory cache and its single-flight already do this job.
 */
export interface SharedBlobs {
  /** The value under `key`, or null (none, expired, or the store can't be reached). */
  get(key: string): Promise<string | null>;
  /** Keeps `value` under `key` for `ttlMs`. Best effort: a store that can't be reached keeps nothing. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /**
   * Takes the lease on `key` for `ttlMs` unless another holder has it: a token to release it with, or null
   * while someone else holds it. A store that can't be reached grants it (nobody else can be asked).
   */
  lease(key: string, ttlMs: number): Promise<string | null>;
  /** Gives the lease back, if `token` still holds it (it may have expired and been taken since). */
  release(key: string, token: string): Promise<void>;
}

export type BreakerOutcome = 'success' | 'failure' | 'neutral';

/** Where state lives right now: this process, Redis, or this process because Redis is unreachable. */
export type StoreMode = 'memory' | 'redis' | 'fallback:memory';

export interface StateStore {
  /** Where state lives right now (default: 'memory'). */
  mode?(): StoreMode;
  /** Times a shared store became unreachable or slow and this process fell back to its own memory. */
  fallbacks?(): number;
  /** A shared store: whether it has answered at least once since this process started (a typo in its URL never does). */
  reachedOnce?(): boolean;
  take(key: string, spec: BucketSpec, now: number): Promise<Take>;
  /** The "don't call before" time under `key` (epoch ms), or null; never a non-finite number. */
  blockedUntil(key: string): Promise<number | null>;
  /** Keeps the later of the stored time and `until`; a non-finite `until` is ignored (callers cap theirs). */
  blockUntil(key: string, until: number): Promise<void>;
  /** Forgets the "don't call before" time under `key`. */
  unblock(key: string): Promise<void>;
  /**
   * Forgets every record (bucket, block, breaker) whose key starts with `prefix`, in a shared store for
   * every replica; how many there were. An operator's reset, not a hot path.
   */
  forget(prefix: string): Promise<number>;
  /**
   * A store of the same kind (the same Redis, if any) that shares no records and no memory with this one:
   * inbound per-address buckets live in their own, so a flood of addresses can't evict outbound state.
   */
  separate(): StateStore;
  breaker(key: string): Promise<BreakerRecord>;
  /**
   * Atomically (one step, however many replicas report at once): the record after a finished call. A
   * success closes it; a failure counts, and opens it at the threshold or when a probe failed; a neutral
   * end (the caller left, our own limits) only frees the probe.
   */
  recordBreaker(key: string, outcome: BreakerOutcome, threshold: number, now: number): Promise<BreakerRecord>;
  /**
   * Atomically, for a breaker that isn't closed: `probe` for exactly one caller once the cool-down is over
   * (the record turns half-open), `wait` for everyone else, `pass` if it has closed meanwhile.
   */
  claimProbe(key: string, cooldownMs: number, now: number): Promise<{ verdict: 'pass' | 'probe' | 'wait'; rec: BreakerRecord }>;
  /** Present when the store is shared by several replicas. */
  readonly blobs?: SharedBlobs;
}

interface Bucket {
  tokens: number;
  at: number;
}

export const CLOSED: BreakerRecord = { state: 'closed', failures: 0, openedAt: 0, probing: false };

/** The breaker's transitions, as pure functions: the memory store runs them, the Redis store's scripts mirror them. */
export function breakerAfter(cur: BreakerRecord, outcome: BreakerOutcome, threshold: number, now: number): BreakerRecord {
  if (outcome === 'success') return cur.state === 'closed' && cur.failures === 0 ? cur : CLOSED;
  if (outcome === 'neutral') return cur.probing ? { ...cur, probing: false } : cur;
  const failures = cur.failures + 1;
  return cur.state !== 'closed' || failures >= threshold ? { state: 'open', failures, openedAt: now, probing: false } : { ...cur, failures };
}

export function probeClaim(cur: BreakerRecord, cooldownMs: number, now: number): { verdict: 'pass' | 'probe' | 'wait'; rec: BreakerRecord } {
  if (cur.state === 'closed') return { verdict: 'pass', rec: cur };
  if (cur.probing || cur.openedAt + cooldownMs > now) return { verdict: 'wait', rec: cur };
  return { verdict: 'probe', rec: { ...cur, state: 'half-open', probing: true } };
}

/** Refills a bucket to `now` and tries to take one token, possibly reserving a future one. */
export function takeFromBucket(b: Bucket | undefined, spec: BucketSpec, now: number): { bucket: Bucket; take: Take } {
  const perMs = spec.ratePerSec / 1000;
  const prev = b ?? { tokens: spec.burst, at: now };
  const tokens = Math.min(spec.burst, prev.tokens + Math.max(0, now - prev.at) * perMs);
  const reserve = spec.reserve ?? 0;
  if (reserve > 0) {
    if (tokens - 1 >= reserve - 1e-9) return { bucket: { tokens: tokens - 1, at: now }, take: { granted: true, waitMs: 0, remaining: Math.floor(tokens - 1) } };
    return { bucket: { tokens, at: now }, take: { granted: false, retryAfterMs: Math.ceil((reserve + 1 - tokens) / perMs) } };
  }
  // Tokens may go below zero down to what the reservation window allows: those callers wait their turn.
  const floor = -spec.maxWaitMs * perMs;
  if (tokens - 1 >= floor - 1e-9) {
    const left = tokens - 1;
    const waitMs = left >= 0 ? 0 : Math.ceil(-left / perMs);
    return { bucket: { tokens: left, at: now }, take: { granted: true, waitMs, remaining: Math.max(0, Math.floor(left)) } };
  }
  return { bucket: { tokens, at: now }, take: { granted: false, retryAfterMs: Math.ceil((1 - tokens + floor) / perMs) } };
}

export interface MemoryStore extends StateStore {
  /** Puts a breaker record as is (a Redis store mirrors what Redis holds into its fallback this way). */
  putBreaker(key: string, rec: BreakerRecord): void;
  /** Forgets everything (tests isolate cases this way; a Redis store drops what it learnt alone). */
  clear(): void;
}

export function memoryStore(opts: { maxKeys?: number } = {}): MemoryStore {
  // Bounded: a flood of distinct client keys can't grow memory without limit. (What else shares this
  // store can be evicted by such a flood: inbound traffic gets a `separate()` one.)
  const buckets = new LRUCache<string, Bucket>({ max: opts.maxKeys ?? 10_000 });
  const blocks = new LRUCache<string, number>({ max: opts.maxKeys ?? 10_000 });
  const breakers = new LRUCache<string, BreakerRecord>({ max: opts.maxKeys ?? 10_000 });
  const drop = (cache: { keys(): Iterable<string>; delete(key: string): boolean }, prefix: string): number => {
    const keys = [...cache.keys()].filter((k) => k.startsWith(prefix));
    for (const k of keys) cache.delete(k);
    return keys.length;
  };
  return {
    mode: () => 'memory',
    async take(key, spec, now) {
      const { bucket, take } = takeFromBucket(buckets.get(key), spec, now);
      buckets.set(key, bucket);
      return take;
    },
    async blockedUntil(key) {
      return blocks.get(key) ?? null;
    },
    async blockUntil(key, until) {
      if (!Number.isFinite(until)) return;
      if ((blocks.get(key) ?? 0) < until) blocks.set(key, until);
    },
    async unblock(key) {
      blocks.delete(key);
    },
    async forget(prefix) {
      return drop(buckets, prefix) + drop(blocks, prefix) + drop(breakers, prefix);
    },
    separate: () => memoryStore(opts),
    async breaker(key) {
      return breakers.get(key) ?? CLOSED;
    },
    async recordBreaker(key, outcome, threshold, now) {
      const rec = breakerAfter(breakers.get(key) ?? CLOSED, outcome, threshold, now);
      breakers.set(key, rec);
      return rec;
    },
    async claimProbe(key, cooldownMs, now) {
      const claim = probeClaim(breakers.get(key) ?? CLOSED, cooldownMs, now);
      if (claim.verdict === 'probe') breakers.set(key, claim.rec);
      return claim;
    },
    putBreaker(key, rec) {
      breakers.set(key, rec);
    },
    clear() {
      buckets.clear();
      blocks.clear();
      breakers.clear();
    },
  };
}
