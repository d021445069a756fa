/**
 * The k-way merge: pulls from per-vendor streams in the one total order, skips `offset` items and returns
 * `limit`, peeking one more to know exactly whether there is a next page. Pure apart from awaiting streams.
 */
import type { Item } from '../model/conversation.js';
import type { OrderDir, OrderField } from '../model/query.js';
import { compareKeys, keyOf } from '../model/order.js';
import type { OrderedStream } from '../sources/source.js';

/** A stream failed while the merge pulled from it. */
export class StreamFailure extends Error {
  constructor(readonly vendor: string, override readonly cause: unknown) {
    super(`vendor ${vendor} failed during merge`);
  }
}

export interface MergedPage {
  items: Item[];
  hasMore: boolean;
  /** Vendors whose stream ended within this page (nothing left after it). */
  exhausted: Set<string>;
}

export async function mergePage(
  streams: readonly OrderedStream[],
  opts: { offset: number; limit: number; orderBy: OrderField; orderDir: OrderDir },
): Promise<MergedPage> {
  const cmp = compareKeys(opts.orderDir);
  const peek = async (s: OrderedStream): Promise<Item | null> => {
    try {
      return await s.peek();
    } catch (e) {
      throw new StreamFailure(s.vendor, e);
    }
  };
  // The first pull of every vendor runs concurrently: that is the fan-out.
  const heads = await Promise.all(streams.map(peek));
  const items: Item[] = [];
  let skipped = 0;
  while (items.length < opts.limit) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i];
      if (h && (best < 0 || cmp(keyOf(h, opts.orderBy), keyOf(heads[best]!, opts.orderBy)) < 0)) best = i;
    }
    if (best < 0) break;
    const s = streams[best]!;
    if (skipped < opts.offset) skipped++;
    else items.push(heads[best]!);
    s.take();
    heads[best] = await peek(s);
  }
  const exhausted = new Set(streams.filter((_, i) => heads[i] === null).map((s) => s.vendor));
  return { items, hasMore: heads.some((h) => h !== null), exhausted };
}
