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
  enabled: bool.default(true).describe('false: the vendor is read live, as if there were no `mirror:` block (its stored copy is kept).'),
  strategy: z
    .enum(MIRROR_STRATEGIES)
    .default('auto')
    .describe('How the mirror learns of changes between full reads. auto (default): changes since the high-water mark where the vendor filters or orders by update time (incremental), else new conversations where it filters or orders by creation (head), else full reads only. head: also for a vendor that answers newest first without promising it: its first pages are read often. full: full reads only.'),
  every: durationSchema.default(30_000).describe('How often the frequent pass runs (incremental or head); with `strategy: full`, how often it reads in full.'),
  reconcileEvery: durationSchema.default(3_600_000).describe('How often a full read reconciles the mirror: removes what the vendor no longer returns, fixes what a pass missed.'),
  headPages: count.default(1).describe("Pages a head pass reads when the vendor can't be asked for 'created after'. Default: 1."),
  overlapMs: z.coerce.number().int().min(0).default(60_000).describe('An incremental or head pass starts this long before the high-water mark (clock skew, late writes).'),
  maxLagMs: count.optional().describe("Past this lag (now − syncedAt) the vendor's sources[] entry says `stale: true`. Default: 2 × the longest interval, at least 5 min."),
  maxItems: count.default(200_000).describe('Most conversations the mirror holds; a full read that finds more fails (separate from the per-request maxItems).'),
  maxBytes: count.default(512 * 1024 * 1024).describe('Most bytes read from one vendor response while syncing (a bare array of every conversation can be large).'),
  timeoutMs: count.optional().describe("Deadline of one sync call (a large bare array takes a while). Default: 10 × the vendor's timeoutMs."),
  keepRaw: bool.default(false).describe('Keep each vendor item as it came (include=raw can then be served from the mirror).'),
  messages: bool
    .optional()
    .describe('Read the vendor with its `request.include.messages` parameters, so the mirror holds every message: include=messages and a vendor-side search over message text can then be answered from it. Default: true when the vendor has them.'),
  serve: z.enum(['whenWhole', 'always']).default('whenWhole').describe('whenWhole: serve from the mirror only the queries the vendor would have to be read whole for; always: every query.'),
  reserve: z.coerce.number().min(0).max(0.9).default(0.25).describe("Share of the vendor's outbound budget a sync leaves to live requests (it waits rather than take the last tokens)."),
  batchSize: count.default(200).describe('Conversations written per transaction (each one a checkpoint a restarted sync resumes from).'),
});
export type MirrorConfig = z.infer<typeof mirrorSchema>;
