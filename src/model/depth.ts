/**
 * How deep a vendor's value nests. Items are kept as the vendor sent them (`include=raw`, a mirror's copy, the
 * hash that tells a changed row), and everything that later serializes them (the response, its ETag, the
 * mirror) recurses: JSON.stringify overflows the stack some thousands of levels down. Bounding the depth
 * where an item is accepted means nothing later can throw on it.
 */

/** Deepest nesting of objects and arrays accepted in one vendor item; real items nest a handful of levels. */
export const MAX_ITEM_DEPTH = 64;

/** Whether objects and arrays nest more than `max` levels deep (the value itself is level 1). */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  // Walked without recursion (the point is a value too deep for the stack), stopping at the first too deep.
  const nodes: object[] = [value];
  const depths: number[] = [1];
  while (nodes.length > 0) {
    const node = nodes.pop()!;
    const depth = depths.pop()!;
    if (depth > max) return true;
    if (Array.isArray(node)) {
      for (const child of node) if (typeof child === 'object' && child !== null) (nodes.push(child), depths.push(depth + 1));
    } else {
      for (const key in node) {
        const child = (node as Record<string, unknown>)[key];
        if (typeof child === 'object' && child !== null) (nodes.push(child), depths.push(depth + 1));
      }
    }
  }
  return false;
}
