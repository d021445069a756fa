/**
 * One vendor's part in a request: its fetcher, its stream factory (re-creatable if the merge must run
 * again without a failed vendor) and what it knows of its total.
 */
import { failure } from '../dialect/errors.js';
import type { CompiledVendor } from '../dialect/vendor.js';
import type { VendorFailure } from '../errors/gateway-error.js';
import type { Item } from '../model/conversation.js';
import type { Query, VendorPosition } from '../model/query.js';
import { buildLocalFilter } from '../plan/local-filter.js';
import type { VendorPlan } from '../plan/plan.js';
import { OrderViolation, orderedStream, sortedStream, type OrderedStream } from '../merge/stream.js';
import { lazySource, readWhole, VendorFetcher, type FetchContext } from '../fanout/source.js';
import { UpstreamError } from '../upstream/client.js';

export interface Participant {
  readonly plan: VendorPlan;
  readonly vendor: CompiledVendor;
  readonly fetcher: VendorFetcher;
  /** A fresh stream over what was already fetched. */
  stream(): OrderedStream;
  /** Where the latest stream would resume, for the next cursor. */
  position(): VendorPosition | null;
  /** Exact number of matches when it can be known; `exhausted`: the merge read this vendor to its end. */
  total(exhausted: boolean): number | null;
  failure?: VendorFailure;
}

/**
 * Items a lazily read vendor may have to supply: the whole page, the one item that tells whether there is
 * a next page, and one more that shows the vendor has moved past that item's instant (ties wait for it).
 */
export const lazyWant = (q: Query): number => (q.positions ? 0 : q.offset) + q.limit + 2;

export function participate(p: VendorPlan, v: CompiledVendor, q: Query, ctx: FetchContext): Participant {
  const fetcher = new VendorFetcher(v, p.params, ctx);
  const rechecked = p.local.filter((n) => p.pushed.includes(n));
  const localOnly = p.local.filter((n) => !p.pushed.includes(n));
  const recheck = buildLocalFilter(rechecked, q.filters);
  const localFilter = buildLocalFilter(localOnly, q.filters);
  let vendorDisagreed = false;
  // Ids (not a count: a re-run merge reads the same items again) of the matches seen.
  const matched = new Set<string>();
  const accept = (i: Item) => {
    if (!recheck(i)) {
      vendorDisagreed = true; // the vendor returned an item its own filter should have excluded
      return false;
    }
    if (!localFilter(i)) return false;
    matched.add(i.id);
    return true;
  };
  const streamOpts = { orderBy: q.orderBy, orderDir: q.orderDir, ...(q.after ? { after: q.after } : {}) };
  let latest: OrderedStream | undefined;

  if (p.mode === 'ordered') {
    const start = q.positions?.[p.vendor];
    const position = start === 'done' ? undefined : start;
    const source = lazySource(fetcher, lazyWant(q), position, localOnly.length > 0);
    return {
      plan: p,
      vendor: v,
      fetcher,
      stream: () => (latest = orderedStream(v.name, source, { ...streamOpts, accept })),
      position: () => latest?.position() ?? null,
      total(exhausted) {
        // Read from the start to the end: we counted every match ourselves.
        if (exhausted && !q.after) return matched.size;
        const carried = q.totals?.[p.vendor];
        if (position !== undefined && carried != null && fetcher.stats.vendorTotal === null) return carried;
        return p.vendorTotalExact && !vendorDisagreed && fetcher.stats.dropped === 0 ? fetcher.stats.vendorTotal : null;
      },
    };
  }

  // Read whole: every match is held, so the count is exact (before the cursor's key is applied).
  let matches: Promise<Item[]> | undefined;
  let count: number | null = null;
  const load = () =>
    (matches ??= readWhole(fetcher, ctx.hints).then((items) => {
      const m = items.filter(accept);
      count = m.length;
      return m;
    }));
  return {
    plan: p,
    vendor: v,
    fetcher,
    stream: () => deferred(v.name, async () => sortedStream(v.name, await load(), streamOpts)),
    position: () => null,
    total: () => count,
  };
}

/** A stream whose items exist only after an async load (a vendor read whole). */
function deferred(vendor: string, load: () => Promise<OrderedStream>): OrderedStream {
  let inner: OrderedStream | undefined;
  return {
    vendor,
    async peek() {
      inner ??= await load();
      return inner.peek();
    },
    take: () => inner?.take(),
    position: () => null,
  };
}

export function toFailure(cause: unknown, v: CompiledVendor): VendorFailure {
  if (cause instanceof UpstreamError) return cause.failure;
  if (cause instanceof OrderViolation) return failure('UPSTREAM_INVALID_RESPONSE', `${cause.message}; the configured order can't be trusted`);
  return failure('UPSTREAM_ERROR', `unexpected failure reading ${v.name}: ${(cause as Error)?.message ?? String(cause)}`);
}
