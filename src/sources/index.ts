/** Opens the source a vendor's plan names: live lazy, live whole, or its mirror. */
import { failure } from '../dialect/errors.js';
import type { CompiledVendor } from '../dialect/vendor.js';
import type { VendorFailure } from '../errors/gateway-error.js';
import type { Query } from '../model/query.js';
import type { VendorPlan } from '../plan/plan.js';
import { UpstreamError } from '../upstream/client.js';
import type { FetchContext } from './fetcher.js';
import { liveLazySource, OrderViolation } from './live-lazy.js';
import { liveWholeSource } from './live-whole.js';
import { mirrorSource, type MirrorView } from './mirror.js';
import { emptyStats, type Source } from './source.js';

/** What opening any source needs (the live kinds call vendors; the mirror reads the clock for freshness). */
export type SourceContext = FetchContext;

export function openSource(p: VendorPlan, v: CompiledVendor, q: Query, ctx: SourceContext, mirror?: MirrorView): Source {
  if (p.mode === 'mirror') {
    if (!mirror) throw new Error(`plan for ${v.name} reads a mirror that was not given`);
    return mirrorSource(p, v, q, mirror, ctx.clock);
  }
  if (p.tooLarge) return refused(p, v, failure('UPSTREAM_TOO_LARGE', p.tooLarge));
  const source = p.mode === 'ordered' ? liveLazySource(p, v, q, ctx) : liveWholeSource(p, v, q, ctx);
  return p.mirrorNote ? { ...source, note: `${p.mirrorNote}: read live` } : source;
}

/** A vendor the plan knows it can't read: it fails at the merge's first pull, without a call. */
function refused(p: VendorPlan, v: CompiledVendor, f: VendorFailure): Source {
  return {
    kind: 'live-whole',
    plan: p,
    vendor: v,
    stats: emptyStats(),
    stream: () => ({
      vendor: v.name,
      peek: () => Promise.reject(new UpstreamError(f)),
      take: () => undefined,
      position: () => null,
    }),
    position: () => null,
    total: async () => null,
  };
}

/**
 * Why a source failed, as the caller sees it: every failure leaves through the vendor's scrub (secrets
 * redacted, then cut; no host), whichever layer wrote it.
 */
export function toFailure(cause: unknown, v: CompiledVendor, kind: Source['kind']): VendorFailure {
  return v.scrub(describe(cause, v, kind));
}

function describe(cause: unknown, v: CompiledVendor, kind: Source['kind']): VendorFailure {
  if (cause instanceof UpstreamError) return cause.failure;
  if (cause instanceof OrderViolation) return failure('UPSTREAM_INVALID_RESPONSE', `${cause.message}; the configured order can't be trusted`);
  const message = (cause as Error)?.message ?? String(cause);
  if (kind === 'mirror') return failure('UPSTREAM_UNAVAILABLE', `the mirror of ${v.name} can't be read: ${message}`);
  return failure('UPSTREAM_ERROR', `unexpected failure reading ${v.name}: ${message}`);
}

export type { Source, SourceKind, SourceStats, OrderedStream, Freshness, Snapshot } from './source.js';
export type { FetchContext } from './fetcher.js';
export { totalHints, type TotalHints } from './live-whole.js';
export { mirrorCounts, type MirrorView, type MirrorCounts } from './mirror.js';
export { lazyWant, firstPageSize } from './live-lazy.js';
