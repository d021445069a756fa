/**
 * The one total order of every page: the `orderBy` instant in `orderDir`, ties broken by id (string order)
 * in the same direction, nulls last in both directions.
 */
import type { Item } from './conversation.js';
import type { OrderDir, OrderField, SortKey } from './query.js';

export type Compare = (a: SortKey, b: SortKey) => number;

export function compareKeys(dir: OrderDir): Compare {
  const sign = dir === 'asc' ? 1 : -1;
  return (a, b) => {
    if (a.time !== b.time) {
      if (a.time === null) return 1;
      if (b.time === null) return -1;
      return (a.time - b.time) * sign;
    }
    return a.id === b.id ? 0 : (a.id < b.id ? -1 : 1) * sign;
  };
}

/**
 * Compares only the instants (nulls last): how a vendor that orders by the same field would order.
 * Negative when `a` comes strictly before `b`.
 */
export function compareTimes(dir: OrderDir): (a: number | null, b: number | null) => number {
  const sign = dir === 'asc' ? 1 : -1;
  return (a, b) => (a === b ? 0 : a === null ? 1 : b === null ? -1 : (a - b) * sign);
}

export const keyOf = (item: Item, field: OrderField): SortKey => ({ time: item.times[field], id: item.id });
