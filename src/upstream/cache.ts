/**
 * Opt-in per vendor: a TTL cache of vendor responses keyed by the exact request and the credentials that
 * made it, with single-flight (identical concurrent requests share one call) and an optional
 * stale-while-revalidate window. Only successful pages are kept; errors are never cached (429 memory
 * already remembers a Retry-After).
 */
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { RawResponse } from '../dialect/errors.js';
import type { CompiledVendor } from '../dialect/vendor.js';
import type { Clock } from '../state/clock.js';
import type { Upstream } from './client.js';

interface Entry {
  res: RawResponse;
  /** When it was fetched, by the gateway's clock. */
  at: number;
}

export interface CacheStats {
  hits: number;
  staleHits: number;
  misses: number;
  /** Calls that joined an identical call already in flight. */
  coalesced: number;
}

export function withCache(inner: Upstream, clock: Clock, opts: { maxBytes: number }): Upstream & { stats: CacheStats } {
  const entries = new LRUCache<string, Entry>({
    maxSize: opts.maxBytes,
    sizeCalculation: (e) => Math.max(1, e.res.body.length),
  });
  const inflight = new Map<string, Promise<RawResponse>>();
  const identities = new WeakMap<CompiledVendor, string>();
  const stats: CacheStats = { hits: 0, staleHits: 0, misses: 0, coalesced: 0 };

  // The credential's hash, never the credential: two tokens never share an entry.
  const identity = (v: CompiledVendor): string => {
    let id = identities.get(v);
    if (id === undefined) {
      id = createHash('sha256').update(v.secrets.join('\u0000')).digest('base64url').slice(0, 16);
      identities.set(v, id);
    }
    return id;
  };

  return {
    stats,
    close: () => inner.close(),
    async get(vendor, req, callOpts) {
      const policy = vendor.cache;
      if (policy.ttlMs <= 0) return inner.get(vendor, req, callOpts);
      const key = `${vendor.name} ${identity(vendor)} ${vendor.origin}${req.path}?${req.query}`;
      const cached = entries.get(key);
      const now = clock.now();
      const fetchShared = (): Promise<RawResponse> => {
        let p = inflight.get(key);
        if (p) {
          stats.coalesced++;
          return p;
        }
        // The shared call must outlive any one caller who leaves: only the deadline bounds it.
        const signal = AbortSignal.timeout(Math.max(1, callOpts.deadline - clock.now()));
        p = inner
          .get(vendor, req, { ...callOpts, signal, timedOut: () => signal.aborted })
          .then((res) => {
            if (res.status >= 200 && res.status < 300 && 'items' in vendor.readPage(res)) {
              entries.set(key, { res, at: clock.now() }, { ttl: policy.ttlMs + policy.staleWhileRevalidateMs });
            }
            return res;
          })
          .finally(() => inflight.delete(key));
        inflight.set(key, p);
        return p;
      };

      if (cached) {
        const age = now - cached.at;
        if (age < policy.ttlMs) {
          stats.hits++;
          return cached.res;
        }
        if (age < policy.ttlMs + policy.staleWhileRevalidateMs) {
          stats.staleHits++;
          fetchShared().catch(() => undefined); // refresh in the background; the stale page answers now
          return cached.res;
        }
      }
      stats.misses++;
      return raceSignal(fetchShared(), callOpts.signal);
    },
  };
}

/** A follower stops waiting when its own caller leaves, without cancelling the shared call. */
function raceSignal<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
