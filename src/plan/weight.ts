/**
 * Whether a request may hold many vendor items at once, from its plan: what the gateway bounds memory by
 * (http.maxHeavy), while the requests that hold about a page per vendor are bounded only by maxConcurrent.
 * Pure: the plan and the query decide it, before any call.
 */
import type { Query } from '../model/query.js';
import type { VendorPlan } from './plan.js';

/**
 * Heavy: some vendor it calls is read whole (everything it holds, up to maxItems), or read lazily from the
 * start to deeper than `depth` items (`offset + limit`; a cursor resumes each vendor where it stopped, so
 * it holds a page). A mirror read holds keys, not documents, past the page. A vendor the walk has finished
 * and one known too large to read are not called.
 */
export function holdsMany(
  vendors: readonly VendorPlan[],
  q: Pick<Query, 'offset' | 'limit' | 'positions'>,
  depth: number,
): boolean {
  return vendors.some((p) => {
    if (p.action !== 'fetch' || p.tooLarge !== undefined || q.positions?.[p.vendor] === 'done') return false;
    if (p.mode === 'whole') return true;
    return p.mode === 'ordered' && q.positions?.[p.vendor] === undefined && q.offset + q.limit > depth;
  });
}
