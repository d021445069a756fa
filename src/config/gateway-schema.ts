/** config/gateway.yaml: defaults and limits that apply to every vendor and request. */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** A positive whole number; a `${VAR}` arrives as a string, so strings are coerced. */
export const count = z.coerce.number().int().positive();
/** true/false, also as the strings an env reference leaves behind. */
export const bool = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);

/** A token bucket: `perMinute` on average, up to `burst` at once. */
export const rateLimitSchema = z.strictObject({
  perMinute: count,
  burst: count,
  /** How long a call may wait for a token before failing fast (outbound only). */
  maxWaitMs: z.coerce.number().int().min(0).default(0),
});
export type RateLimitConfig = z.infer<typeof rateLimitSchema>;

/** Retries of GETs that failed in a way a retry can fix. */
export const retrySchema = z.strictObject({
  /** Attempts in all, the first included; 1 turns retries off. */
  attempts: z.coerce.number().int().min(1).max(10).default(3),
  /** Backoff before retry n is a random delay in [0, min(maxDelayMs, baseDelayMs * 2^n)] (full jitter). */
  baseDelayMs: z.coerce.number().int().min(0).default(100),
  maxDelayMs: z.coerce.number().int().min(0).default(2_000),
  /** Retries may add at most this share of a vendor's calls (plus `minRetries` to start with). */
  budgetRatio: z.coerce.number().min(0).max(1).default(0.1),
  minRetries: z.coerce.number().int().min(0).default(3),
});
export type RetryConfig = z.infer<typeof retrySchema>;

/** Vendor response cache; `ttlMs: 0` turns it off (the default). */
export const cacheSchema = z.strictObject({
  /** How long a page stays fresh. */
  ttlMs: z.coerce.number().int().min(0).default(0),
  /** After that, how long a stale page may still answer while it is refreshed in the background. */
  staleWhileRevalidateMs: z.coerce.number().int().min(0).default(0),
  /**
   * With a shared state store: how long one replica's call for a page holds the lease that makes the
   * others wait for its result rather than call too. A call slower than this lets a second replica call.
   */
  lockMs: count.default(2000),
});
export type CacheConfig = z.infer<typeof cacheSchema>;

/** A per-vendor circuit breaker. */
export const breakerSchema = z.strictObject({
  /** Consecutive failed requests that open it. */
  failureThreshold: count.default(5),
  /** How long it stays open before one probe may try. */
  cooldownMs: count.default(30_000),
});
export type BreakerConfig = z.infer<typeof breakerSchema>;

/**
 * What one request may read of a vendor read lazily (it orders for us) past what the page itself needs
 * (offset + limit and a look-ahead): filters checked here rather than by the vendor, or many items tied on
 * one instant, make the page need more. Past either bound that vendor fails with UPSTREAM_TOO_LARGE (a
 * mirror answers such queries by index).
 */
export const lazyReadSchema = z.strictObject({
  /** Items read past the page's depth. */
  maxItems: count.default(2000),
  /** Calls made past those the page's depth needs. */
  maxCalls: count.default(20),
});
export type LazyReadConfig = z.infer<typeof lazyReadSchema>;

/**
 * Failed authentication (a key presented but wrong, malformed or conflicting) is limited per remote
 * address with a token bucket: `burst` failures at once, then `perMinute`. Over it, every request from
 * that address to an authenticated route is refused with 429 before its key is checked (answering a right
 * key while refusing wrong ones would let guessing go on at full speed). Successes never use the budget.
 * Addresses are held in an LRU of `maxAddresses` (IPv6 by /64), in this process.
 */
export const authFailureSchema = z.strictObject({
  /** false: no throttle (e.g. behind a proxy that hides callers' addresses and throttles itself). */
  enabled: bool.default(true),
  perMinute: count.default(10),
  burst: count.default(20),
  maxAddresses: count.default(10_000),
});
export type AuthFailureConfig = z.infer<typeof authFailureSchema>;

/** Bounds on large static bodies, so callers that never read them can't pile up sockets and buffers. */
export const downloadsSchema = z.strictObject({
  /** Such bodies being written at once; beyond, 503 OVERLOADED with Retry-After. */
  maxConcurrent: count.default(16),
  /** A body not handed to the network within this long has its connection closed. */
  writeTimeoutMs: count.default(30_000),
});
export type DownloadsConfig = z.infer<typeof downloadsSchema>;

const clientList = z.array(
  z.strictObject({
    id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, { message: 'letters, digits, . _ - (at most 64)' }),
    keySha256: z.string().regex(/^[0-9a-f]{64}$/i, { message: 'the hex SHA-256 of the key (64 hex digits)' }),
    scopes: z.array(z.string().min(1)).default(['conversations:read']),
    /** Vendors this client may see; omit for all. */
    vendors: z.array(z.string()).optional(),
    /** Overrides `rateLimit` for this client. */
    rateLimit: rateLimitSchema.optional(),
  }),
);

/** YAML (or JSON) text as a value; unparseable text stays a string, which the list schema then refuses. */
function yamlText(text: string): unknown {
  try {
    return parseYaml(text) ?? [];
  } catch {
    return text;
  }
}

export const gatewaySchema = z.strictObject({
  limits: z
    .strictObject({
      /** Page size when the caller sends no `limit`. */
      defaultLimit: count.default(10),
      /** Largest `limit` a caller may ask for. */
      maxLimit: count.default(100),
      /** Longest `search` value accepted. */
      maxSearchLength: count.default(200),
      /** Most vendors in a `vendor=` list. */
      maxVendors: count.default(20),
      /** Deepest `offset`; deeper pages are reached with cursors, which cost the same at any depth. */
      maxOffset: count.default(10_000),
    })
    .default({ defaultLimit: 10, maxLimit: 100, maxSearchLength: 200, maxVendors: 20, maxOffset: 10_000 }),
  upstream: z
    .strictObject({
      /** Deadline for one vendor call: connect, headers and body. */
      timeoutMs: count.default(5000),
      /** Connections kept per vendor. */
      connections: count.default(16),
      /** Most items held for a vendor that must be read whole. */
      maxItems: count.default(5000),
      /** How far a lazy read may go past what the page needs. */
      lazyRead: lazyReadSchema.default(lazyReadSchema.parse({})),
      /** Most bytes read from one vendor response. */
      maxResponseBytes: count.default(10 * 1024 * 1024),
      retry: retrySchema.default(retrySchema.parse({})),
      breaker: breakerSchema.default(breakerSchema.parse({})),
      cache: cacheSchema.default(cacheSchema.parse({})),
      /** Most bytes of vendor responses held by the cache, all vendors together. */
      cacheMaxBytes: count.default(64 * 1024 * 1024),
      /**
       * Longest wait a vendor's Retry-After (header or body) is believed for: a longer one, or one we can't
       * count ("99999999999999"), is remembered as this. Bounds the 429 memory (shared through Redis, it
       * would otherwise outlive restarts) and what callers are told. At most a day.
       */
      maxRetryAfterMs: count.max(86_400_000).default(300_000),
    })
    .default({
      timeoutMs: 5000,
      connections: 16,
      maxItems: 5000,
      lazyRead: lazyReadSchema.parse({}),
      maxResponseBytes: 10 * 1024 * 1024,
      retry: retrySchema.parse({}),
      breaker: breakerSchema.parse({}),
      cache: cacheSchema.parse({}),
      cacheMaxBytes: 64 * 1024 * 1024,
      maxRetryAfterMs: 300_000,
    }),
  inbound: z
    .strictObject({
      /** Refuse to start without clients (production). Without clients auth is off: the demo default. */
      authRequired: bool.default(false),
      /**
       * API clients. Keys are never stored: only their SHA-256, hex. Also a string holding the list as YAML
       * (`[{id: a, keySha256: …}]`), so one `${API_CLIENTS}` can bring it from a secret store.
       */
      clients: z
        .union([clientList, z.string().transform(yamlText).pipe(clientList)], {
          error: 'a list of clients, or a ${VAR} holding one as YAML: [{id: …, keySha256: …}]',
        })
        .default([]),
      /** Per-client request budget (token bucket). */
      rateLimit: rateLimitSchema.default({ perMinute: 600, burst: 60, maxWaitMs: 0 }),
      /** Longest request URL (path and query) accepted. */
      maxUrlLength: count.default(10_240),
      /** Most query parameters in one request. */
      maxParams: count.default(30),
      /** Throttle on failed authentication, per remote address (see authFailureSchema). */
      authFailures: authFailureSchema.default(authFailureSchema.parse({})),
    })
    .default({ authRequired: false, clients: [], rateLimit: { perMinute: 600, burst: 60, maxWaitMs: 0 }, maxUrlLength: 10_240, maxParams: 30, authFailures: authFailureSchema.parse({}) }),
  http: z
    .strictObject({
      /** Cache-Control on /conversations answers; with their ETag, `no-cache` lets clients revalidate cheaply. */
      cacheControl: z.string().default('private, no-cache'),
      /** /conversations requests worked on at once; each holds vendor pages in memory. */
      maxConcurrent: count.default(16),
      /** Requests waiting for a turn; beyond, 503 OVERLOADED with Retry-After. */
      maxQueued: z.coerce.number().int().min(0).default(1000),
      /**
       * Longest wait in that queue before 503 OVERLOADED (default: `upstream.timeoutMs`, so a request
       * never waits for a turn longer than its vendors may take to answer).
       */
      maxQueueWaitMs: count.optional(),
      /** Large static bodies (the /docs script, 3.5 MB): bounds on callers that read them slowly. */
      downloads: downloadsSchema.default(downloadsSchema.parse({})),
    })
    .default({ cacheControl: 'private, no-cache', maxConcurrent: 16, maxQueued: 1000, downloads: downloadsSchema.parse({}) }),
  shutdown: z
    .strictObject({
      /** After SIGTERM/SIGINT, /readyz says 503 but new requests are still served this long (load balancers notice). */
      drainDelayMs: z.coerce.number().int().min(0).default(0),
      /** Then the listener closes and in-flight requests have this long to finish. */
      graceMs: count.default(10_000),
    })
    .default({ drainDelayMs: 0, graceMs: 10_000 }),
  cursor: z
    .strictObject({
      /** Seconds a cursor stays valid. */
      ttlSeconds: count.default(86_400),
    })
    .default({ ttlSeconds: 86_400 }),
});
export type GatewayConfig = z.infer<typeof gatewaySchema>;
