/**
 * A fixed query parameter (`request.query`) that a filter, the order, paging or an include also sets; and
 * one name that two of those set (two filters, or a filter and the paging).
 *
 * The request builder would send the name twice (`status=all&status=open`), and which one a vendor honours
 * is its own choice: the first, the last, or both as a list. Nothing downstream can tell, so it is a load
 * error naming both places, and the fix is the author's (drop the fixed one, or rename).
 */
import type { VendorConfig } from './vendor-schema.js';

export interface ParamCollision {
  /** Where the other key sets the name (a filter's `param`, the order's `param`, …). */
  path: (string | number)[];
  /** The fixed parameter it collides with. */
  fixed: (string | number)[];
  name: string;
  /** The filter that sets it, when one does (the fix may then be its `whenAbsent`). */
  filter?: string;
}

/** Every parameter name the request builder sets besides the fixed ones, with where the config says so. */
function setParams(request: VendorConfig['request']): { path: (string | number)[]; name: string; filter?: string }[] {
  const out: { path: (string | number)[]; name: string; filter?: string }[] = [];
  for (const [filter, spec] of Object.entries(request.filters)) {
    if (!spec) continue;
    const at = ['request', 'filters', filter];
    if (spec.param !== undefined) out.push({ path: [...at, 'param'], name: spec.param, filter });
    // A value's own parameters and the whenAbsent ones are sent as well (a value's may repeat the filter's
    // own `param`: only one value is sent at a time).
    for (const [value, mapped] of Object.entries(spec.values ?? {})) {
      if (typeof mapped === 'object' && mapped !== null) for (const name of Object.keys(mapped)) out.push({ path: [...at, 'values', value, name], name, filter });
    }
    if (typeof spec.whenAbsent === 'object') for (const name of Object.keys(spec.whenAbsent)) out.push({ path: [...at, 'whenAbsent', name], name, filter });
  }
  const order = request.order;
  if (order?.param !== undefined) out.push({ path: ['request', 'order', 'param'], name: order.param });
  if (order?.dirParam !== undefined) out.push({ path: ['request', 'order', 'dirParam'], name: order.dirParam });
  order?.select?.forEach((s, i) => {
    for (const name of Object.keys(s.query)) out.push({ path: ['request', 'order', 'select', i, 'query', name], name });
  });
  const paging = request.pagination as Record<string, unknown>;
  for (const key of ['limitParam', 'offsetParam', 'pageParam', 'sizeParam', 'cursorParam']) {
    const name = paging[key];
    if (typeof name === 'string') out.push({ path: ['request', 'pagination', key], name });
  }
  for (const name of Object.keys(request.include.messages?.query ?? {})) out.push({ path: ['request', 'include', 'messages', 'query', name], name });
  return out;
}

export function paramCollisions(v: VendorConfig): ParamCollision[] {
  const fixed = new Set(Object.keys(v.request.query));
  return setParams(v.request)
    .filter((p) => fixed.has(p.name))
    .map((p) => ({ ...p, fixed: ['request', 'query', p.name] }));
}

/** The load error for one collision, naming both places (and, for a filter's parameter, the usual fix). */
export function collisionMessage(c: ParamCollision, fixedAt: string): string {
  const both = `"${c.name}" is also the fixed parameter ${c.fixed.join('.')} (${fixedAt}): every request would send ${c.name}= twice, and which one the vendor honours is its own choice: keep one of them`;
  if (c.filter === undefined) return both;
  return `${both}. If the fixed value is what the vendor needs when the caller doesn't filter by ${c.filter} (say status=all), drop it from request.query and write it as request.filters.${c.filter}.whenAbsent: it is then sent only when the filter's own parameters are not`;
}

/** One parameter name that two parts of the request set (two filters, a filter and the order, …). */
export interface ParamClash {
  /** The later key. */
  path: (string | number)[];
  /** The first key that sets the same name. */
  other: (string | number)[];
  name: string;
}

/**
 * Who sets a parameter: each filter is one owner (its `param`, its values' own parameters and its
 * `whenAbsent` may share names: only one of them is sent at a time), as is the order (its forms select one
 * order at a time), the paging and the include.
 */
const ownerOf = (path: readonly (string | number)[]): string => (path[1] === 'filters' ? `filters.${String(path[2])}` : String(path[1]));

export function paramClashes(v: VendorConfig): ParamClash[] {
  const first = new Map<string, { path: (string | number)[]; owner: string }>();
  const out: ParamClash[] = [];
  for (const p of setParams(v.request)) {
    const owner = ownerOf(p.path);
    const seen = first.get(p.name);
    if (!seen) first.set(p.name, { path: p.path, owner });
    else if (seen.owner !== owner) out.push({ path: p.path, other: seen.path, name: p.name });
  }
  return out;
}

export function clashMessage(c: ParamClash, otherAt: string): string {
  return `"${c.name}" is also set by ${c.other.join('.')} (${otherAt}): a request using both would send ${c.name}= twice, and which one the vendor honours is its own choice: give each its own parameter`;
}
