/**
 * GET /vendors: each configured vendor, what its config lets the gateway do (which filters are pushed
 * down, checked locally or unsupported, which orders, which paging) and its live state (breaker, 429
 * memory, last success and error). A client restricted to some vendors sees only those.
 */
import { createRoute, OpenAPIHono, type z } from '@hono/zod-openapi';
import type { ApiClient, AppEnv } from '../app-env.js';
import type { CompiledVendor } from '../dialect/vendor.js';
import { FILTER_NAMES, ORDER_FIELDS, type OrderDir, type OrderField } from '../model/query.js';
import type { Clock } from '../state/clock.js';
import type { StateStore } from '../state/store.js';
import { blockKey, breakerKey } from '../upstream/guard.js';
import type { VendorHealthTracker } from './vendor-health.js';
import type { Mirrors } from '../mirror/mirrors.js';
import { API_KEY_SECURITY, problemResponses, REQUEST_ID_HEADERS } from '../openapi/responses.js';
import { VendorListSchema, type VendorCapabilitiesSchema } from './ops-schema.js';

export interface VendorsDeps {
  vendors: readonly CompiledVendor[];
  store: StateStore;
  clock: Clock;
  health: VendorHealthTracker;
  mirrors?: Mirrors;
}

type FilterCapability = 'pushed' | 'pushed, re-checked here' | 'here' | 'constant' | 'unsupported';

export function capabilities(v: CompiledVendor): z.infer<typeof VendorCapabilitiesSchema> {
  const filters: Record<string, FilterCapability> = {};
  for (const name of FILTER_NAMES) {
    const f = v.filters[name];
    filters[name] = f.push ? (f.spec?.recheck && f.local ? 'pushed, re-checked here' : 'pushed') : f.constant !== undefined ? 'constant' : f.local ? 'here' : 'unsupported';
  }
  // An unpaged vendor is one body: read whole whatever order it answers in (as the planner does).
  const orders = v.paging.style === 'none' ? [] : v.orders;
  const dirs = (o: OrderField) => {
    const has = (dir: OrderDir) => orders.some((x) => x.by === o && x.dir === dir);
    return has('asc') && has('desc') ? 'both' : has('desc') ? 'desc' : has('asc') ? 'asc' : 'none';
  };
  const ORDER = { both: 'pushed', desc: 'pushed desc', asc: 'pushed asc', none: 'here' } as const;
  // Read lazily in the orders the vendor gives; in any other every request reads it whole (up to maxItems).
  const READ = { both: 'lazy', desc: 'lazy desc', asc: 'lazy asc', none: 'whole' } as const;
  return {
    filters,
    order: Object.fromEntries(ORDER_FIELDS.map((o) => [o, ORDER[dirs(o)]])),
    orders: orders.map(({ by, dir, how }) => ({ by, dir, how })),
    paging: v.paging.style,
    read: Object.fromEntries(ORDER_FIELDS.map((o) => [o, READ[dirs(o)]])),
    maxItems: v.maxItems,
    timeoutMs: v.timeoutMs,
    rateLimit: v.rateLimit ?? null,
    cache: v.cache.ttlMs > 0 ? v.cache : null,
  };
}

const route = createRoute({
  method: 'get',
  path: '/vendors',
  operationId: 'listVendors',
  tags: ['Operations'],
  summary: 'Configured vendors, their capabilities and live state',
  security: API_KEY_SECURITY,
  responses: {
    200: { description: 'Every configured vendor (for a client restricted to some vendors: those).', headers: REQUEST_ID_HEADERS, content: { 'application/json': { schema: VendorListSchema } } },
    ...problemResponses(['INVALID_REQUEST', 'UNAUTHORIZED', 'FORBIDDEN', 'RATE_LIMITED', 'INTERNAL_ERROR']),
  },
});

/**
 * The vendors a caller may see here: a client restricted to some vendors sees only those (their origins,
 * states and last errors are its business; the others' are not). No client (auth off) or an unrestricted
 * one: every configured vendor.
 */
export function visibleVendors(vendors: readonly CompiledVendor[], client: ApiClient | undefined): readonly CompiledVendor[] {
  const mine = client?.vendors;
  return mine ? vendors.filter((v) => mine.includes(v.name)) : vendors;
}

export function vendorRoutes(deps: VendorsDeps) {
  return new OpenAPIHono<AppEnv>().openapi(route, async (c) => {
    const now = deps.clock.now();
    const mirrors = deps.mirrors ? await deps.mirrors.status() : new Map();
    const data = await Promise.all(
      visibleVendors(deps.vendors, c.get('client')).map(async (v): Promise<z.infer<typeof VendorListSchema>['data'][number]> => {
        const breaker = await deps.store.breaker(breakerKey(v.name, v.origin));
        // Shown as the guard will honour it: never past the cap from now.
        const stored = await deps.store.blockedUntil(blockKey(v));
        const blocked = stored === null ? null : Math.min(stored, now + v.maxRetryAfterMs);
        return {
          name: v.name,
          enabled: v.enabled,
          ...(v.enabled ? {} : { reason: 'disabled in its config (enabled: false)' }),
          origin: v.enabled ? v.origin : null,
          capabilities: capabilities(v),
          state: {
            breaker: {
              state: breaker.state,
              failures: breaker.failures,
              ...(breaker.state !== 'closed' ? { openedAt: isoOr(breaker.openedAt, now), probeAt: isoOr(breaker.openedAt + v.breaker.cooldownMs, now) } : {}),
            },
            rateLimitedUntil: blocked !== null && blocked > now ? isoOr(blocked, now) : null,
            ...deps.health.get(v.name),
          },
          mirror: mirrors.get(v.name) ?? null,
        };
      }),
    );
    return c.json({ object: 'list' as const, data }, 200);
  });
}

/**
 * A stored instant as ISO 8601. State comes from a store other versions (or hands) may have written: a time
 * Date can't hold (NaN, Infinity, past year 275760) is shown as `now` rather than throwing a RangeError
 * that would make the whole of /vendors a 500.
 */
function isoOr(ms: number, now: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? new Date(now).toISOString() : d.toISOString();
}
