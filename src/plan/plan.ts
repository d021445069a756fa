/**
 * The planner: pure. For each vendor of a query it decides what to push down, what to check locally and
 * whether the vendor can take part at all, from the compiled config alone. No I/O.
 */
import type { CompiledVendor } from '../dialect/vendor.js';
import type { InvalidParam } from '../errors/gateway-error.js';
import { FILTER_NAMES, TIME_FILTERS, type FilterName, type QueryShape } from '../model/query.js';

/**
 * One parameter a filter puts on the vendor's calls: carrying the caller's value (`filter_resolved` for
 * status=closed), or the filter's `whenAbsent` (`status=all`) because its own parameters are not sent.
 */
export interface FilterCarrier {
  param: string;
  filter: FilterName;
  /** value: it carries the caller's `value`; absent: it is the filter's whenAbsent, sent as `value`. */
  by: 'value' | 'absent';
  value: string;
}

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
  /** Which parameter carries which filter (live plans; absent in mirror plans, which send nothing). */
  carriers?: FilterCarrier[];
  /** Filters checked here: those not pushed, and pushed ones re-checked. */
  local: FilterName[];
  orderPushed: boolean;
  /** With the order pushed: the parameters that ask for it ([] for the vendor's natural order). */
  orderParams?: readonly [string, string][];
  /**
   * ordered: read lazily in the vendor's order; whole: read everything, then sort here; mirror: read the
   * vendor's local copy (`pushed` are then the filters its index answers).
   */
  mode: 'ordered' | 'whole' | 'mirror';
  /** The vendor's own total counts exactly our matches (only meaningful in ordered mode). */
  vendorTotalExact: boolean;
  /** In mirror mode: the live plan, should the mirror fail to answer. */
  live?: VendorPlan;
  /** Why a mirrored vendor is read live this time (warming, or a query its copy can't answer). */
  mirrorNote?: string;
  /**
   * The vendor is not called: reading it whole is known to exceed its maxItems (its warming mirror has
   * counted more), so the call could only spend its budget and fail. The reason, for its report.
   */
  tooLarge?: string;
}

/** What a vendor's mirror can answer right now (the planner stays pure: this is read before planning). */
export interface MirrorAvailability {
  /** A full read has completed: the copy may serve. */
  ready: boolean;
  /** Why it can't serve yet, e.g. "warming: first full read, 1,200 conversations so far". */
  notReady?: string;
  /** It holds every message (read with the vendor's messages include, or the vendor has no such include). */
  messages: boolean;
  /** It keeps each vendor item as it came. */
  raw: boolean;
  /** whenWhole: only queries the vendor would have to be read whole for; always: every query it can answer. */
  serve: 'whenWhole' | 'always';
  /** Conversations the vendor is known to hold (what its mirror has counted so far). */
  knownSize?: number;
}

export interface Plan {
  vendors: VendorPlan[];
  /** Parameters the query can't have for the vendors it names (e.g. a malformed UUID): a 400. */
  invalid: InvalidParam[];
}

export function planQuery(q: QueryShape, vendors: readonly CompiledVendor[], mirrors?: ReadonlyMap<string, MirrorAvailability>): Plan {
  const invalid: InvalidParam[] = [];
  const plans = vendors.map((v) => {
    const live = planVendor(q, v, invalid);
    const m = mirrors?.get(v.name);
    return m ? viaMirror(q, v, live, m) : live;
  });
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
  const carriers: FilterCarrier[] = [];
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
    if (r && 'params' in r) {
      params.push(...r.params);
      const shown = (TIME_FILTERS as readonly string[]).includes(name) ? new Date(value as number).toISOString() : String(value);
      for (const [param] of r.params) carriers.push({ param, filter: name, by: 'value', value: shown });
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

  // Every filter whose own parameters are not sent (not asked for, ignored, or a value only checked here)
  // sends its whenAbsent ones: the vendor must answer every value of it, for the local check to be exact.
  for (const name of FILTER_NAMES) {
    if (pushed.includes(name)) continue;
    for (const [param, value] of v.filters[name].absent) {
      params.push([param, value]);
      carriers.push({ param, filter: name, by: 'absent', value });
    }
  }

  // The vendor's own order, whether sort parameters, a selecting one or its natural order give it: read
  // lazily. Unpaged, one body holds everything anyway: read whole.
  const orderParams = v.paging.style === 'none' ? null : v.orderFor(q.orderBy, q.orderDir);
  const orderPushed = orderParams !== null;
  if (orderParams) params.push(...orderParams);
  const plan: VendorPlan = {
    vendor: v.name,
    action,
    params,
    pushed,
    carriers,
    local,
    orderPushed,
    ...(orderParams ? { orderParams } : {}),
    mode: orderPushed ? 'ordered' : 'whole',
    vendorTotalExact: exact,
  };
  if (reason) plan.reason = reason;
  if (blockedBy) plan.blockedBy = blockedBy;
  return plan;
}

/**
 * The mirror's plan for a vendor whose live plan would read it (the same filters, evaluated in the index),
 * or the live plan with a note saying why the mirror can't take this query.
 */
function viaMirror(q: QueryShape, v: CompiledVendor, live: VendorPlan, m: MirrorAvailability): VendorPlan {
  if (live.action !== 'fetch') return live;
  const note = (why: string): VendorPlan => ({ ...live, mirrorNote: why });
  if (!m.ready) {
    const warming = note(m.notReady ?? 'mirror warming');
    // Read whole it would fail anyway (and spend budget the warming sync needs): say so without calling.
    // Only when no filter is pushed: a filtered answer may well fit.
    if (live.mode === 'whole' && live.pushed.length === 0 && m.knownSize !== undefined && m.knownSize > v.maxItems) {
      return { ...warming, tooLarge: `${v.name} holds at least ${m.knownSize} conversations, more than maxItems (${v.maxItems}) to read whole: it is served from its mirror once that is warm; ${m.notReady ?? 'mirror warming'}` };
    }
    return warming;
  }
  if (m.serve === 'whenWhole' && live.mode === 'ordered') return live;
  if (q.include.includes('raw') && !m.raw) return note("include=raw: the mirror doesn't keep vendor items (mirror.keepRaw)");
  if (q.include.includes('messages') && !m.messages) return note("include=messages: the mirror doesn't hold every message (mirror.messages)");
  const set = FILTER_NAMES.filter((n) => q.filters[n] !== undefined);
  for (const name of set) {
    const f = v.filters[name];
    if (f.constant !== undefined) continue; // decided at plan time, like live
    // A search the vendor runs over text we don't see is the mirror's only when it holds every message.
    if (name === 'search' && f.push && f.spec && !f.spec.recheck && !m.messages) return note('search: the vendor searches text the mirror does not hold');
    if (!f.local && !(name === 'search')) return note(`${name}: the mirror can't evaluate it (no field maps it)`);
  }
  const pushed = set.filter((n) => v.filters[n].constant === undefined);
  return { vendor: v.name, action: 'fetch', params: [], pushed, local: [], orderPushed: true, mode: 'mirror', vendorTotalExact: true, live };
}
