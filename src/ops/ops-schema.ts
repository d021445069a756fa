/** The zod contracts of /vendors, /healthz and /readyz, as /openapi.json publishes them. */
import { z } from '@hono/zod-openapi';
import { FILTER_NAMES, ORDER_FIELDS } from '../model/query.js';

const FILTER_CAPABILITIES = ['pushed', 'pushed, re-checked here', 'here', 'constant', 'unsupported'] as const;
const record = <T extends z.ZodType>(keys: readonly string[], value: T) =>
  z.strictObject(Object.fromEntries(keys.map((k) => [k, value])) as Record<string, T>);

export const VendorCapabilitiesSchema = z
  .object({
    filters: record(FILTER_NAMES, z.enum(FILTER_CAPABILITIES)).openapi({
      description: 'Per filter: pushed to the vendor, pushed and re-checked here, checked here, constant for this vendor, or unsupported.',
    }),
    order: record(ORDER_FIELDS, z.enum(['pushed', 'pushed desc', 'pushed asc', 'here'])).openapi({
      description: 'Per orderBy: sorted by the vendor in both directions (pushed), in one only (pushed desc, pushed asc: the other is sorted here), or here.',
    }),
    orders: z
      .array(
        z.strictObject({
          by: z.enum(ORDER_FIELDS),
          dir: z.enum(['asc', 'desc']),
          how: z.enum(['param', 'select', 'natural']).openapi({ description: 'param: its sort parameters; select: a parameter that selects this order; natural: the order it answers in when sent none.' }),
        }),
      )
      .openapi({ description: 'Every order the vendor sorts in (empty for a vendor that is not paged: it is read whole).' }),
    paging: z.enum(['offset', 'page', 'cursor', 'none']),
    read: record(ORDER_FIELDS, z.enum(['lazy', 'lazy desc', 'lazy asc', 'whole'])).openapi({
      description: 'Per orderBy: read only as deep as a page needs in both directions (lazy), in one only (lazy desc, lazy asc: whole in the other), or whole.',
    }),
    maxItems: z.number().int(),
    timeoutMs: z.number().int(),
    rateLimit: z.strictObject({ perMinute: z.number(), burst: z.number(), maxWaitMs: z.number() }).nullable().openapi({ description: 'Our outbound budget toward the vendor.' }),
    cache: z
      .strictObject({ ttlMs: z.number(), staleWhileRevalidateMs: z.number(), lockMs: z.number().openapi({ description: 'with a shared (Redis) state store: how long other replicas wait for one replica\'s call of a page' }) })
      .nullable()
      .openapi({ description: 'Vendor response cache, when on.' }),
  })
  .openapi('VendorCapabilities');

export const MirrorStateSchema = z.enum(['warming', 'ready', 'stale', 'error']);

export const MirrorStatusSchema = z
  .strictObject({
    state: MirrorStateSchema.openapi({ description: 'warming: no full read completed yet (the vendor is read live); ready; stale: lagMs over mirror.maxLagMs (still served); error: the last pass failed.' }),
    strategy: z.string().openapi({ example: 'incremental (updatedAfter filter) every 30 s, full read every 1 h' }),
    rows: z.number().int().openapi({ description: 'Conversations in the copy.', example: 20000 }),
    syncedAt: z.string().nullable().openapi({ format: 'date-time', description: 'The copy is complete as of this instant.' }),
    lagMs: z.number().int().nullable(),
    lastSync: z
      .strictObject({
        kind: z.enum(['full', 'incremental', 'head']),
        startedAt: z.string().openapi({ format: 'date-time' }),
        durationMs: z.number().int(),
        calls: z.number().int(),
        items: z.number().int(),
        error: z.strictObject({ code: z.string(), message: z.string() }).nullable(),
      })
      .nullable(),
    nextSyncAt: z.string().nullable().openapi({ format: 'date-time' }),
    syncing: z.boolean().openapi({ description: "This replica holds the vendor's sync lease (else another replica syncs it)." }),
  })
  .openapi('MirrorStatus', { description: "A vendor's incremental local copy." });

export const VendorStatusSchema = z
  .object({
    name: z.string().openapi({ example: 'acme' }),
    enabled: z.boolean(),
    reason: z.string().optional().openapi({ description: 'Why a vendor is disabled.' }),
    origin: z.string().nullable().openapi({ description: "The vendor's origin (null when disabled).", example: 'https://api.acme.example' }),
    capabilities: VendorCapabilitiesSchema,
    state: z.strictObject({
      breaker: z.strictObject({
        state: z.enum(['closed', 'open', 'half-open']),
        failures: z.number().int(),
        openedAt: z.string().optional().openapi({ format: 'date-time' }),
        probeAt: z.string().optional().openapi({ format: 'date-time', description: 'When one call may probe the vendor again.' }),
      }),
      rateLimitedUntil: z.string().nullable().openapi({ format: 'date-time', description: 'The vendor told us to wait until then.' }),
      lastSuccessAt: z.string().nullable().openapi({ format: 'date-time' }),
      lastError: z
        .object({ at: z.string().openapi({ format: 'date-time' }), code: z.string(), message: z.string(), upstreamStatus: z.number().int().nullable() })
        .nullable(),
    }),
    mirror: MirrorStatusSchema.nullable().openapi({ description: 'null: read live only.' }),
  })
  .openapi('VendorStatus', { description: "A configured vendor: what its config lets the gateway do and how it is doing (this process's view)." });

export const VendorListSchema = z
  .object({ object: z.literal('list'), data: z.array(VendorStatusSchema) })
  .openapi('VendorList');

export const HealthSchema = z.strictObject({ status: z.literal('ok') }).openapi('Health', { example: { status: 'ok' } });
export const ReadinessSchema = z
  .object({
    status: z.enum(['ready', 'degraded', 'not ready']).openapi({ description: 'degraded (200): serving, with something missing that `degraded` names; not ready (503): starting or draining.' }),
    degraded: z.array(z.string()).optional().openapi({ description: 'What makes the replica degraded (present with status degraded).' }),
    mirrors: z.record(z.string(), MirrorStateSchema).optional().openapi({ description: 'Each mirrored vendor\'s mirror state; a warming mirror does not make the replica unready (its vendor is read live).' }),
    stateStore: z.enum(['memory', 'redis', 'fallback:memory']).optional().openapi({
      description: 'Where rate-limit, 429 and breaker state lives: this process (memory), shared Redis, or this process because Redis is unreachable (fallback:memory; status degraded, still serving).',
    }),
  })
  .openapi('Readiness', { description: 'not ready (503) while starting or draining.', example: { status: 'ready', stateStore: 'redis' } });
