/**
 * What a compiled vendor claims it can do, as a list `switchboard verify` checks one by one: each pushed
 * filter value, each pushed order and direction, paging, totals, the cursor dialect and the detail request.
 * Pure. Every place that reads the compiled vendor's capability shapes (PushResult, the order functions,
 * the parameters a whole read sends) is in this file, so a change of those shapes is adapted here alone.
 */
import { absentParams, type CompiledVendor } from '../dialect/vendor.js';
import { FILTER_NAMES, ORDER_FIELDS, TIME_FILTERS, VALUE_FILTERS, type FilterName, type OrderDir, type OrderField } from '../model/query.js';

/**
 * How the vendor's filtered answer must relate to what the local check finds in the whole read. `exact`:
 * the same set. `superset` (`exact: false`): every local match, and perhaps more. `subset` (`recheck:
 * false`): the vendor searches what we can't see, so local matches must be among its answer.
 */
export type FilterMode = 'exact' | 'superset' | 'subset';

export type Claim =
  /** `value` null: a free filter, its value is taken from the whole read (see check.ts sampleValue). */
  | { kind: 'filter'; filter: FilterName; value: string | null; mode: FilterMode }
  /** A `values` map: a value it doesn't list can't match (the gateway answers none without a call). */
  | { kind: 'unlisted'; filter: FilterName; listed: readonly string[] }
  /** The vendor's total of a pushed exact filter counts its matches. */
  | { kind: 'filterTotal'; filter: FilterName; value: string | null }
  /** `params`: what selects the order (none for an order the vendor gives unasked). */
  | { kind: 'order'; by: OrderField; dir: OrderDir; params: readonly [string, string][] }
  | { kind: 'paging' }
  | { kind: 'total' }
  | { kind: 'cursor' }
  | { kind: 'detail' };

/** What the compiled vendor doesn't say but its config does. */
export interface DeclaredFacts {
  /** `response.total` is configured. */
  total: boolean;
}

export function claimsOf(v: CompiledVendor, declared: DeclaredFacts): Claim[] {
  const claims: Claim[] = [];
  for (const filter of FILTER_NAMES) {
    const support = v.filters[filter];
    const spec = support.spec;
    if (!support.push || !spec) continue;
    const mode: FilterMode = !spec.recheck ? 'subset' : spec.exact ? 'exact' : 'superset';
    // A `values` map claims each value it sends; a value mapped to null is checked here, never sent.
    const values = spec.values && !(TIME_FILTERS as readonly string[]).includes(filter)
      ? Object.entries(spec.values).filter(([, sent]) => sent !== null).map(([value]) => value)
      : [null];
    for (const value of values) {
      claims.push({ kind: 'filter', filter, value, mode });
      if (declared.total && mode === 'exact') claims.push({ kind: 'filterTotal', filter, value });
    }
    if (spec.values && (VALUE_FILTERS as readonly string[]).includes(filter) && filter !== 'search') {
      const listed = Object.keys(spec.values);
      // Status has two values: a map listing both leaves nothing unlisted.
      if (!(filter === 'status' && listed.includes('open') && listed.includes('closed'))) claims.push({ kind: 'unlisted', filter, listed });
    }
  }
  // Every order the planner would read lazily in. A natural order's `params` are empty: the check then reads
  // in the whole read's own order, and costs no call.
  if (v.paging.style !== 'none') {
    // Listed field by field, newest first before oldest first, whichever form gives each.
    for (const by of ORDER_FIELDS) {
      for (const dir of ['desc', 'asc'] as const) {
        const params = v.orderFor(by, dir);
        if (params) claims.push({ kind: 'order', by, dir, params });
      }
    }
  }
  if (v.paging.style !== 'none') claims.push({ kind: 'paging' });
  if (declared.total) claims.push({ kind: 'total' });
  if (v.paging.style === 'cursor') claims.push({ kind: 'cursor' });
  if (v.detail) claims.push({ kind: 'detail' });
  return claims;
}

/**
 * The parameters of a whole read: no filter, no order. The fixed ones, and what each filter sends when it is
 * not used, such as `status=all`: without them a vendor may answer a part.
 */
export function wholeParams(v: CompiledVendor): [string, string][] {
  return [...v.fixedParams({ messages: false }), ...absentParams(v.filters, [])];
}

/**
 * The parameters of a read filtered by one value, or why it can't be sent (the planner's own push: a value
 * the vendor can hold no match for, or one checked locally only).
 */
export function filterParams(v: CompiledVendor, filter: FilterName, value: string | number): [string, string][] | { unsent: string } {
  const push = v.filters[filter].push;
  if (!push) return { unsent: `${filter} is not pushed to the vendor` };
  const r = push(value);
  if ('invalid' in r) return { unsent: `the vendor can't take ${filter}=${String(value)}: ${r.invalid}` };
  if ('noMatch' in r) return { unsent: `the config says the vendor can hold no ${filter}=${String(value)}` };
  if ('localOnly' in r) return { unsent: `${filter}=${String(value)} is checked locally, never sent` };
  // This filter's own parameters take the place of its whenAbsent ones; every other filter's stay.
  return [...v.fixedParams({ messages: false }), ...absentParams(v.filters, [filter]), ...r.params];
}

/** The parameters of a read in one claimed order. */
export function orderParams(v: CompiledVendor, claim: Extract<Claim, { kind: 'order' }>): [string, string][] {
  return [...wholeParams(v), ...claim.params];
}

/** How a claim is named in the report: `filter status=open`, `order createdAt desc`, `paging`… */
export function claimName(c: Claim, sampled?: string): string {
  const value = (v: string | null) => v ?? sampled ?? '<a value from the data>';
  switch (c.kind) {
    case 'filter': return `filter ${c.filter}=${value(c.value)}`;
    case 'filterTotal': return `total ${c.filter}=${value(c.value)}`;
    case 'unlisted': return `filter ${c.filter}=<unlisted>`;
    case 'order': return `order ${c.by} ${c.dir}`;
    default: return c.kind;
  }
}
