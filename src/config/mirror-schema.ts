/**
 * A vendor's `mirror:` block: keep an incremental local copy of the vendor and serve pages from it where the
 * vendor can't order or filter for us. Everything here is optional; a vendor without `mirror:` is read live.
 */
import { z } from 'zod';
import { bool, count } from './gateway-schema.js';

const UNITS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;

/** A duration: milliseconds as a number, or a string such as `500ms`, `30s`, `10m`, `2h`. */
export const durationSchema = z.union([
  count,
  z
    .string()
    .regex(/^\s*\d+\s*(ms|s|m|h)\s*$/, { message: 'a duration such as 500ms, 30s, 10m or 2h (or a number of milliseconds)' })
    .transform((s) => {
      const [, n, unit] = /^\s*(\d+)\s*(ms|s|m|h)\s*$/.exec(s)!;
      return Number(n) * UNITS[unit as keyof typeof UNITS];
    }),
]);

/** How the mirror learns of changes between full reads (`auto` picks from what the vendor can do). */
export const MIRROR_STRATEGIES = ['auto', 'incremental', 'head', 'full'] as const;

export const mirrorSchema = z.strictObject({
  /** Off: the vendor is read live, as if there were no `mirror:` block (its stored copy is kept). */
  enabled: bool.default(true),
  /**
   * auto: changes since the high-water mark where the vendor filters or orders by update time
   * (incremental), else new conversations where it filters or orders by creation (head), else full reads only.
   * head: also for a vendor that answers newest first without promising it: its first pages are read often.
   */
  strategy: z.enum(MIRROR_STRATEGIES).default('auto'),
  /** How often the frequent pass runs (incremental or head); with `strategy: full`, how often it reads in full. */
  every: durationSchema.default(30_000),
  /** How often a full read reconciles the mirror: removes what the vendor no longer returns, fixes what a pass missed. */
  reconcileEvery: durationSchema.default(3_600_000),
  /** Pages a head pass reads when the vendor can't be asked for "created after". */
  headPages: count.default(1),
  /** An incremental or head pass starts this long before the high-water mark (clock skew, late writes). */
  overlapMs: z.coerce.number().int().min(0).default(60_000),
  /** Past this lag (now − syncedAt) the vendor's sources[] entry says `stale: true`. Default: 2 × the longest interval, at least 5 min. */
  maxLagMs: count.optional(),
  /** Most conversations the mirror holds; a full read that finds more fails (separate from the per-request maxItems). */
  maxItems: count.default(200_000),
  /** Most bytes read from one vendor response while syncing (a bare array of every conversation can be large). */
  maxBytes: count.default(512 * 1024 * 1024),
  /** Deadline of one sync call (a large bare array takes a while). Default: 10 × the vendor's timeoutMs. */
  timeoutMs: count.optional(),
  /** Keep each vendor item as it came (include=raw can then be served from the mirror). */
  keepRaw: bool.default(false),
  /**
   * Read the vendor with its `include.messages` parameters, so the mirror holds every message: include=messages
   * and a vendor-side search over message text can then be answered from it. Default: true when the vendor has them.
   */
  messages: bool.optional(),
  /** whenWhole: serve from the mirror only the queries the vendor would have to be read whole for; always: every query. */
  serve: z.enum(['whenWhole', 'always']).default('whenWhole'),
  /** Share of the vendor's outbound budget a sync leaves to live requests (it waits rather than take the last tokens). */
  reserve: z.coerce.number().min(0).max(0.9).default(0.25),
  /** Conversations written per transaction (each one a checkpoint a restarted sync resumes from). */
  batchSize: count.default(200),
});
export type MirrorConfig = z.infer<typeof mirrorSchema>;
