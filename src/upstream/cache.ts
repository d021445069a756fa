/**
 * Opt-in per vendor: a cache of vendor responses keyed by the exact request and the credentials that made
 * it, with an optional stale-while-revalidate window. Only successful pages are kept; errors are never
 * cached (429 memory already remembers a Retry-After).
 *
 * Two levels when the state store is shared (Redis): L1 is this process's LRU, L2 the shared store. A miss
 * in both makes one call per process (single-flight: identical concurrent requests share it) and, across
 * replicas, one call in all: the replica that takes the key's short lease calls the vendor and writes L2;
 * the others poll L2 until the page is there, or until the lease is free again (the holder failed or
 * died), when one of them takes it and calls.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { LRUCache } from 'lru-cache';
import { failure, type RawResponse } from '../dialect/errors.js';
import type { CompiledVendor, PageRequest } from '../dialect/vendor.js';
import type { Clock } from '../state/clock.js';
import type { SharedBlobs } from '../state/store.js';
import { abortFailure, callName, UpstreamError, type CallOptions, type Upstream } from './client.js';

interface Entry {
  res: RawResponse;
  /** When it was fetched, by the gateway's clock. */
  at: number;
}

/** Each lookup is one of hits, staleHits, misses, coalesced; a miss then finds its page in the shared level or not. */
export interface CacheStats {
  hits: number;
  staleHits: number;
  /** Not in this process's memory, and no identical call in flight here: a load started. */
  misses: number;
  /** Joined an identical call already in flight in this process. */
  coalesced: number;
  /** Misses (and refreshes) answered by the shared level: another replica had fetched the page. */
  sharedHits: number;
  /** Misses that waited for another replica's identical call instead of making their own. */
  sharedWaits: number;
}

export interface CacheOptions {
  /** Most bytes of bodies held in this process, all vendors together. */
  maxBytes: number;
  /** The shared level and its leases; absent with an in-memory state store. */
  shared?: SharedBlobs;
  /** How often a replica waiting on another's call looks for its page (ms). */
  pollMs?: number;
}

const noStats = (): CacheStats => ({ hits: 0, staleHits: 0, misses: 0, coalesced: 0, sharedHits: 0, sharedWaits: 0 });

export function withCache(inner: Upstream, clock: Clock, opts: CacheOptions): Upstream & { stats: CacheStats; statsByVendor: ReadonlyMap<string, CacheStats> } {
  const entries = new LRUCache<string, Entry>({
    maxSize: opts.maxBytes,
    sizeCalculation: (e) => Math.max(1, e.res.body.length),
  });
  const inflight = new Map<string, Promise<RawResponse>>();
  const refreshing = new Set<string>();
  const identities = new WeakMap<CompiledVendor, string>();
  const stats: CacheStats = noStats();
  // Per configured vendor (a bounded set); the totals above are their sum.
  const byVendor = new Map<string, CacheStats>();
  const bump = (vendor: CompiledVendor, what: keyof CacheStats) => {
    stats[what]++;
    let v = byVendor.get(vendor.name);
    if (!v) byVendor.set(vendor.name, (v = noStats()));
    v[what]++;
  };
  const shared = opts.shared;
  const pollMs = opts.pollMs ?? 20;

  // The credential's hash, never the credential: two tokens never share an entry.
  const identity = (v: CompiledVendor): string => {
    let id = identities.get(v);
    if (id === undefined) {
      id = createHash('sha256').update(v.secrets.join('\u0000')).digest('base64url').slice(0, 16);
      identities.set(v, id);
    }
    return id;
  };

  const keep = (key: string, vendor: CompiledVendor, e: Entry) => {
    const { ttlMs, staleWhileRevalidateMs } = vendor.cache;
    const left = ttlMs + staleWhileRevalidateMs - (clock.now() - e.at);
    if (left > 0) entries.set(key, e, { ttl: left });
  };
  const cacheable = (vendor: CompiledVendor, res: RawResponse) => res.status >= 200 && res.status < 300 && 'items' in vendor.readPage(res);

  /**
   * Gets the page from L2 or the vendor (one replica at a time). A refresh only wants a page fresher than
   * the stale one it has, and leaves the call to whoever holds the lease.
   */
  async function load(key: string, vendor: CompiledVendor, req: PageRequest, callOpts: CallOptions, refresh: boolean): Promise<RawResponse | undefined> {
    const policy = vendor.cache;
    /** Calls the vendor and keeps a good page in L1; the entry says whether it was kept. */
    const call = async (): Promise<{ res: RawResponse; entry?: Entry }> => {
      const res = await inner.get(vendor, req, callOpts);
      if (!cacheable(vendor, res)) return { res };
      const entry = { res, at: clock.now() };
      keep(key, vendor, entry);
      return { res, entry };
    };
    if (!shared) return (await call()).res;

    // Redis keys name the vendor (ops can see and drop one vendor's pages) and hash the rest: queries may
    // carry search terms, and the credential part is already a hash.
    const digest = createHash('sha256').update(key).digest('base64url');
    const pageKey = `cache:${vendor.name}:${digest}`;
    const leaseKey = `cache-lease:${vendor.name}:${digest}`;
    let waited = false;
    /** A fresh page in L2 (or, outside a refresh, a stale one that may answer while it is refreshed). */
    const lookup = async (): Promise<RawResponse | undefined> => {
      const found = decode(await shared.get(pageKey));
      if (!found) return undefined;
      const age = clock.now() - found.at;
      if (age < policy.ttlMs) {
        bump(vendor, 'sharedHits');
        keep(key, vendor, found);
        return found.res;
      }
      if (!refresh && age < policy.ttlMs + policy.staleWhileRevalidateMs) {
        bump(vendor, 'staleHits');
        keep(key, vendor, found);
        backgroundRefresh(key, vendor, req, callOpts);
        return found.res;
      }
      return undefined;
    };
    for (;;) {
      const before = await lookup();
      if (before) return before;
      const token = await shared.lease(leaseKey, Math.max(1, Math.min(policy.lockMs, callOpts.deadline - clock.now())));
      if (token !== null) {
        // Look again: the last holder may have written the page and let go between our look and our lease.
        const after = await lookup();
        if (after) {
          void shared.release(leaseKey, token);
          return after;
        }
        let got: Awaited<ReturnType<typeof call>>;
        try {
          got = await call();
        } catch (e) {
          void shared.release(leaseKey, token);
          throw e;
        }
        // Written before the lease goes, so a waiting replica finds the page rather than the lease free;
        // our caller needn't wait for either.
        const { entry } = got;
        void (entry ? shared.set(pageKey, encode(entry), policy.ttlMs + policy.staleWhileRevalidateMs) : Promise.resolve()).then(() => shared.release(leaseKey, token));
        return got.res;
      }
      // Someone else is refreshing it: the stale page we have will do meanwhile.
      if (refresh) return undefined;
      if (!waited) {
        waited = true;
        bump(vendor, 'sharedWaits');
      }
      try {
        await sleep(pollMs, undefined, { signal: callOpts.signal });
      } catch {
        throw new UpstreamError(
          failure('UPSTREAM_TIMEOUT', `GET ${vendor.origin}${req.path}: no complete answer within ${callOpts.timeoutMs} ms (waited for another replica's identical call)`),
        );
      }
    }
  }

  /** The shared call must outlive any one caller who leaves: only the deadline bounds it. */
  const detached = (callOpts: CallOptions): CallOptions => {
    const signal = AbortSignal.timeout(Math.max(1, callOpts.deadline - clock.now()));
    return { ...callOpts, signal, timedOut: () => signal.aborted };
  };

  function backgroundRefresh(key: string, vendor: CompiledVendor, req: PageRequest, callOpts: CallOptions): void {
    if (refreshing.has(key)) return;
    refreshing.add(key);
    load(key, vendor, req, detached(callOpts), true)
      .catch(() => undefined) // the stale page answered; the next request tries again
      .finally(() => refreshing.delete(key));
  }

  function fetchShared(key: string, vendor: CompiledVendor, req: PageRequest, callOpts: CallOptions): Promise<RawResponse> {
    let p = inflight.get(key);
    if (p) {
      bump(vendor, 'coalesced');
      return p;
    }
    bump(vendor, 'misses');
    p = load(key, vendor, req, detached(callOpts), false)
      .then((res) => res!)
      .finally(() => inflight.delete(key));
    inflight.set(key, p);
    return p;
  }

  return {
    stats,
    statsByVendor: byVendor,
    close: () => inner.close(),
    async get(vendor, req, callOpts) {
      const policy = vendor.cache;
      // A streamed read belongs to its one consumer: nothing to share or keep.
      if (policy.ttlMs <= 0 || callOpts.sink) return inner.get(vendor, req, callOpts);
      const key = `${vendor.name} ${identity(vendor)} ${vendor.origin}${req.path}?${req.query}`;
      const cached = entries.get(key);
      if (cached) {
        const age = clock.now() - cached.at;
        if (age < policy.ttlMs) {
          bump(vendor, 'hits');
          return cached.res;
        }
        if (age < policy.ttlMs + policy.staleWhileRevalidateMs) {
          bump(vendor, 'staleHits');
          backgroundRefresh(key, vendor, req, callOpts);
          return cached.res;
        }
      }
      // A caller stops waiting when its own signal fires; that is its deadline (or its departure), reported
      // as such: the signal's DOMException would otherwise surface as an "unexpected failure".
      return raceSignal(fetchShared(key, vendor, req, callOpts), callOpts.signal, () => new UpstreamError(abortFailure(callName(vendor, req), callOpts)));
    },
  };
}

/*
 * An L2 value is `v1\n<at>\n<status>\n<headers as JSON>\n<body>`: the body stays as the vendor sent it,
 * with no second JSON encoding. Anything else (another version's format) reads as a miss.
 */
function encode(e: Entry): string {
  return `v1\n${e.at}\n${e.res.status}\n${JSON.stringify(e.res.headers)}\n${e.res.body}`;
}

function decode(v: string | null): Entry | null {
  if (v === null || !v.startsWith('v1\n')) return null;
  const a = v.indexOf('\n', 3);
  const b = v.indexOf('\n', a + 1);
  const c = v.indexOf('\n', b + 1);
  if (a < 0 || b < 0 || c < 0) return null;
  const at = Number(v.slice(3, a));
  const status = Number(v.slice(a + 1, b));
  if (!Number.isFinite(at) || !Number.isInteger(status)) return null;
  try {
    return { at, res: { status, headers: JSON.parse(v.slice(b + 1, c)) as RawResponse['headers'], body: v.slice(c + 1) } };
  } catch {
    return null;
  }
}

/** A follower stops waiting when its own signal fires, without cancelling the shared call. */
function raceSignal<T>(p: Promise<T>, signal: AbortSignal, aborted: () => Error): Promise<T> {
  if (signal.aborted) return Promise.reject(aborted());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(aborted());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
