/** config/gateway.yaml: defaults and limits that apply to every vendor and request. */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** A positive whole number; a `${VAR}` arrives as a string, so strings are coerced. */
export const count = z.coerce.number().int().positive();
/** true/false, also as the strings an env reference leaves behind. */
export const bool = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);

/** A token bucket: `perMinute` on average, up to `burst` at once. */
export const rateLimitSchema = z.strictObject({
  perMinute: count.describe('Tokens added per minute: the average rate allowed.'),
  burst: count.describe('Most tokens held: how many calls may go at once after a quiet spell.'),
  maxWaitMs: z.coerce.number().int().min(0).default(0).describe('How long a call may wait for a token before failing fast (outbound only).'),
});
export type RateLimitConfig = z.infer<typeof rateLimitSchema>;

/** Retries of GETs that failed in a way a retry can fix. */
export const retrySchema = z.strictObject({
  attempts: z.coerce.number().int().min(1).max(10).default(3).describe('Attempts in all, the first included; 1 turns retries off.'),
  baseDelayMs: z.coerce.number().int().min(0).default(100).describe('Backoff before retry n is a random delay in [0, min(maxDelayMs, baseDelayMs * 2^n)] (full jitter).'),
  maxDelayMs: z.coerce.number().int().min(0).default(2_000).describe('Longest backoff before one retry.'),
  budgetRatio: z.coerce.number().min(0).max(1).default(0.1).describe("Retries may add at most this share of a vendor's calls (plus `minRetries` to start with)."),
  minRetries: z.coerce.number().int().min(0).default(3).describe('Retries allowed before `budgetRatio` applies (so a quiet vendor can still be retried).'),
});
export type RetryConfig = z.infer<typeof retrySchema>;

/** Vendor response cache; `ttlMs: 0` turns it off (the default). */
export const cacheSchema = z.strictObject({
  ttlMs: z.coerce.number().int().min(0).default(0).describe('How long a page stays fresh.'),
  staleWhileRevalidateMs: z.coerce.number().int().min(0).default(0).describe('After that, how long a stale page may still answer while it is refreshed in the background.'),
  lockMs: count
    .default(2000)
    .describe("With a shared state store: how long one replica's call for a page holds the lease that makes the others wait for its result rather than call too. A call slower than this lets a second replica call."),
});
export type CacheConfig = z.infer<typeof cacheSchema>;

/** A per-vendor circuit breaker. */
export const breakerSchema = z.strictObject({
  failureThreshold: count.default(5).describe('Consecutive failed requests that open it.'),
  cooldownMs: count.default(30_000).describe('How long it stays open before one probe may try.'),
});
export type BreakerConfig = z.infer<typeof breakerSchema>;

/**
 * What one request may read of a vendor read lazily (it orders for us) past what the page itself needs
 * (offset + limit and a look-ahead): filters checked here rather than by the vendor, or many items tied on
 * one instant, make the page need more. Past either bound that vendor fails with UPSTREAM_TOO_LARGE (a
 * mirror answers such queries by index).
 */
export const lazyReadSchema = z.strictObject({
  maxItems: count.default(2000).describe("Items read past the page's depth."),
  maxCalls: count.default(20).describe("Calls made past those the page's depth needs; a whole read by pages or cursors may make twice the calls maxItems needs at full pages, plus this many."),
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
  enabled: bool.default(true).describe("false: no throttle (e.g. behind a proxy that hides callers' addresses and throttles itself)."),
  perMinute: count.default(10).describe('Failed authentications allowed per minute and address, after the burst.'),
  burst: count.default(20).describe('Failed authentications allowed at once per address.'),
  maxAddresses: count.default(10_000).describe('Addresses tracked (an LRU, IPv6 by /64), in this process.'),
});
export type AuthFailureConfig = z.infer<typeof authFailureSchema>;

/** Bounds on large static bodies, so callers that never read them can't pile up sockets and buffers. */
export const downloadsSchema = z.strictObject({
  maxConcurrent: count.default(16).describe('Such bodies being written at once; beyond, 503 OVERLOADED with Retry-After.'),
  writeTimeoutMs: count.default(30_000).describe('A body not handed to the network within this long has its connection closed.'),
});
export type DownloadsConfig = z.infer<typeof downloadsSchema>;

const clientList = z.array(
  z.strictObject({
    id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, { message: 'letters, digits, . _ - (at most 64)' }).describe('The client\'s name, in logs and metrics: letters, digits, . _ - (at most 64).'),
    keySha256: z.string().regex(/^[0-9a-f]{64}$/i, { message: 'the hex SHA-256 of the key (64 hex digits)' }).describe('The hex SHA-256 of the client\'s API key (the key itself is never stored).'),
    scopes: z.array(z.string().min(1)).default(['conversations:read']).describe('What the client may do. Default: [conversations:read].'),
    vendors: z.array(z.string()).optional().describe('Vendors this client may see; omit for all.'),
    rateLimit: rateLimitSchema.optional().describe('Overrides `rateLimit` for this client.'),
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
      defaultLimit: count.default(10).describe('Page size when the caller sends no `limit`.'),
      maxLimit: count.default(100).describe('Largest `limit` a caller may ask for.'),
      maxSearchLength: count.default(200).describe('Longest `search` value accepted.'),
      maxVendors: count.default(20).describe('Most vendors in a `vendor=` list.'),
      maxOffset: count.default(10_000).describe('Deepest `offset`; deeper pages are reached with cursors, which cost the same at any depth.'),
    })
    .default({ defaultLimit: 10, maxLimit: 100, maxSearchLength: 200, maxVendors: 20, maxOffset: 10_000 })
    .describe('Limits on what callers may ask for.'),
  upstream: z
    .strictObject({
      timeoutMs: count.default(5000).describe('Deadline for one vendor call: connect, headers and body.'),
      connections: count.default(64).describe('Connections kept per vendor.'),
      maxItems: count.default(5000).describe('Most items held for a vendor that must be read whole.'),
      lazyRead: lazyReadSchema.default(lazyReadSchema.parse({})).describe('How far a lazy read may go past what the page needs.'),
      maxResponseBytes: count.default(10 * 1024 * 1024).describe('Most bytes read from one vendor response.'),
      retry: retrySchema.default(retrySchema.parse({})).describe('Retries of failed GETs, for every vendor (a vendor YAML may override).'),
      breaker: breakerSchema.default(breakerSchema.parse({})).describe('Circuit breaker of each vendor (a vendor YAML may override).'),
      cache: cacheSchema.default(cacheSchema.parse({})).describe('Response cache of each vendor; off by default (a vendor YAML may override).'),
      cacheMaxBytes: count.default(64 * 1024 * 1024).describe('Most bytes of vendor responses held by the cache, all vendors together.'),
      // Bounds the 429 memory (shared through Redis, it would otherwise outlive restarts).
      maxRetryAfterMs: count
        .max(86_400_000)
        .default(300_000)
        .describe("Longest wait a vendor's Retry-After (header or body) is believed for: a longer one, or one we can't count, is remembered as this; also what callers are told. At most a day."),
    })
    .default({
      timeoutMs: 5000,
      connections: 64,
      maxItems: 5000,
      lazyRead: lazyReadSchema.parse({}),
      maxResponseBytes: 10 * 1024 * 1024,
      retry: retrySchema.parse({}),
      breaker: breakerSchema.parse({}),
      cache: cacheSchema.parse({}),
      cacheMaxBytes: 64 * 1024 * 1024,
      maxRetryAfterMs: 300_000,
    })
    .describe('Defaults for every vendor call; a vendor YAML overrides some of them.'),
  inbound: z
    .strictObject({
      authRequired: bool.default(false).describe('Refuse to start without clients (production). Without clients auth is off: the demo default.'),
      clients: z
        .union([clientList, z.string().transform(yamlText).pipe(clientList)], {
          error: 'a list of clients, or a ${VAR} holding one as YAML: [{id: …, keySha256: …}]',
        })
        .default([])
        .describe('API clients. Keys are never stored: only their SHA-256, hex. Also a string holding the list as YAML ([{id: a, keySha256: …}]), so one ${API_CLIENTS} can bring it from a secret store.'),
      rateLimit: rateLimitSchema.default({ perMinute: 600, burst: 60, maxWaitMs: 0 }).describe('Per-client request budget (token bucket).'),
      maxUrlLength: count.default(10_240).describe('Longest request URL (path and query) accepted.'),
      maxParams: count.default(30).describe('Most query parameters in one request.'),
      authFailures: authFailureSchema.default(authFailureSchema.parse({})).describe('Throttle on failed authentication, per remote address (see authFailureSchema).'),
    })
    .default({ authRequired: false, clients: [], rateLimit: { perMinute: 600, burst: 60, maxWaitMs: 0 }, maxUrlLength: 10_240, maxParams: 30, authFailures: authFailureSchema.parse({}) })
    .describe('Who may call the gateway, and how much.'),
  http: z
    .strictObject({
      cacheControl: z.string().default('private, no-cache').describe('Cache-Control on /conversations answers; with their ETag, `no-cache` lets clients revalidate cheaply.'),
      maxConcurrent: count.default(64).describe('/conversations requests worked on at once.'),
      maxHeavy: count
        .default(16)
        .describe(
          'Of those, requests that may hold many vendor items at once (a vendor read whole, or read lazily deeper than limits.maxLimit): the bound on memory. The others hold about a page per vendor.',
        ),
      maxQueued: z.coerce.number().int().min(0).default(1000).describe('Requests waiting for a turn; beyond, 503 OVERLOADED with Retry-After.'),
      maxQueueWaitMs: count
        .optional()
        .describe('Longest wait in that queue before 503 OVERLOADED (default: upstream.timeoutMs, so a request never waits for a turn longer than its vendors may take to answer).'),
      downloads: downloadsSchema.default(downloadsSchema.parse({})).describe('Large static bodies (the /docs script, 3.5 MB): bounds on callers that read them slowly.'),
    })
    .default({ cacheControl: 'private, no-cache', maxConcurrent: 64, maxHeavy: 16, maxQueued: 1000, downloads: downloadsSchema.parse({}) })
    .describe('How /conversations answers are served and queued.'),
  shutdown: z
    .strictObject({
      drainDelayMs: z.coerce.number().int().min(0).default(0).describe('After SIGTERM/SIGINT, /readyz says 503 but new requests are still served this long (load balancers notice).'),
      graceMs: count.default(10_000).describe('Then the listener closes and in-flight requests have this long to finish.'),
    })
    .default({ drainDelayMs: 0, graceMs: 10_000 })
    .describe('What happens on SIGTERM/SIGINT.'),
  cursor: z
    .strictObject({
      ttlSeconds: count.default(86_400).describe('Seconds a cursor stays valid.'),
    })
    .default({ ttlSeconds: 86_400 })
    .describe('Pagination cursors handed to callers.'),
});
export type GatewayConfig = z.infer<typeof gatewaySchema>;
