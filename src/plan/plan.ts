/**
 * The planner: pure. For each vendor of a query it decides what to push down, what to check locally and
 * whether the vendor can take part at all, from the compiled config alone. No I/O.
 */
import type { CompiledVendor } from '../dialect/vendor.js';
import type { InvalidParam } from '../errors/gateway-error.js';
import { FILTER_NAMES, type FilterName, type QueryShape } from '../model/query.js';

export interface VendorPlan {
  vendor: string;
  /** fetch: call it; skip: it can't honour the query; empty: it can hold no match, so no call. */
  action: 'fetch' | 'skip' | 'empty';
  reason?: string;
  /** The filter that made the vendor skip. */
  blockedBy?: FilterName;
  /** Every query parameter but paging: fixed ones, pushed filters, order. */
  params: [string, string][];
  pushed: FilterName[];
  /** Filters checked here: those not pushed, and pushed ones re-checked. */
  local: FilterName[];
  orderPushed: boolean;
  /** ordered: read lazily in the vendor's order; whole: read everything, then sort here. */
  mode: 'ordered' | 'whole';
  /** The vendor's own total counts exactly our matches (only meaningful in ordered mode). */
  vendorTotalExact: boolean;
}

export interface Plan {
  vendors: VendorPlan[];
  /** Parameters the query can't have for the vendors it names (e.g. a malformed UUID): a 400. */
  invalid: InvalidParam[];
}

export function planQuery(q: QueryShape, vendors: readonly CompiledVendor[]): Plan {
  const invalid: InvalidParam[] = [];
  const plans = vendors.map((v) => planVendor(q, v, invalid));
  if (q.strict) {
    for (const p of plans) {
      if (p.blockedBy) invalid.push({ name: p.blockedBy, reason: `vendor ${p.vendor} can't evaluate it (strict=true)` });
    }
  }
  return { vendors: plans, invalid };
}

function planVendor(q: QueryShape, v: CompiledVendor, invalid: InvalidParam[]): VendorPlan {
  const set = FILTER_NAMES.filter((n) => q.filters[n] !== undefined);
  const params: [string, string][] = [...v.fixedParams({ messages: q.include.includes('messages') })];
  const pushed: FilterName[] = [];
  const local: FilterName[] = [];
  let exact = true;
  let action: VendorPlan['action'] = 'fetch';
  let reason: string | undefined;
  let blockedBy: FilterName | undefined;

  // A filter the vendor ignores in the presence of another pushed one is applied locally instead.
  const ignored = (name: FilterName) => v.filters[name].spec?.ignoredWith?.some((o) => set.includes(o as FilterName) && v.filters[o as FilterName].push) ?? false;

  for (const name of set) {
    const value = q.filters[name]!;
    const support = v.filters[name];
    const r = support.push && !ignored(name) ? support.push(value) : undefined;
    if (r && 'invalid' in r) {
      invalid.push({ name, reason: `${r.invalid} (required by vendor ${v.name})` });
      continue;
    }
    if (r && 'noMatch' in r) {
      if (action === 'fetch') [action, reason] = ['empty', `${name}=${value} can never match on this vendor`];
      continue;
    }
    if (r && 'param' in r) {
      params.push(r.param);
      pushed.push(name);
      if (!support.spec!.exact) exact = false;
      if (support.spec!.recheck && support.local) local.push(name);
      continue;
    }
    if (support.constant !== undefined) {
      if (support.constant !== value && action === 'fetch') [action, reason] = ['empty', `${name}=${value} can never match on this vendor`];
      continue;
    }
    if (support.local) {
      local.push(name);
      exact = false;
      continue;
    }
    action = 'skip';
    blockedBy = name;
    reason = `${name} can't be evaluated for this vendor`;
    break;
  }

  const orderPushed = v.order?.[q.orderBy] !== undefined && v.paging.style !== 'none';
  if (orderPushed) params.push(...v.orderParams(q.orderBy, q.orderDir));
  const plan: VendorPlan = {
    vendor: v.name,
    action,
    params,
    pushed,
    local,
    orderPushed,
    mode: orderPushed ? 'ordered' : 'whole',
    vendorTotalExact: exact,
  };
  if (reason) plan.reason = reason;
  if (blockedBy) plan.blockedBy = blockedBy;
  return plan;
}
