/**
 * A fixed query parameter (`request.query`) that a filter, the order, paging or an include also sets.
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
}

/** Every parameter name the request builder sets besides the fixed ones, with where the config says so. */
function setParams(request: VendorConfig['request']): { path: (string | number)[]; name: string }[] {
  const out: { path: (string | number)[]; name: string }[] = [];
  for (const [filter, spec] of Object.entries(request.filters)) if (spec) out.push({ path: ['request', 'filters', filter, 'param'], name: spec.param });
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
