/**
 * Per-vendor streams of items in the one total order, which the k-way merge pulls from. Pure logic over
 * an abstract page source: the I/O lives in src/fanout.
 */
import type { Item } from '../model/conversation.js';
import type { OrderDir, OrderField, SortKey, VendorPosition } from '../model/query.js';
import type { Token } from '../dialect/paging.js';
import { compareKeys, compareTimes, keyOf } from './order.js';

/** One vendor page as fetched and mapped: null entries are items that could not be mapped. */
export interface SourcePage {
  token: Token;
  size: number;
  /** Raw items at the head of this page that an earlier page of ours already consumed. */
  skip: number;
  entries: (Item | null)[];
}

export interface PageSource {
  /** The i-th page from where reading started, or null past the last one. */
  page(i: number): Promise<SourcePage | null>;
  /** Where a page's item sits, for resuming there later. */
  position(page: SourcePage, index: number): VendorPosition;
  /** Where reading would continue after the last page fetched so far. */
  end(): VendorPosition | null;
}

export interface StreamOptions {
  orderBy: OrderField;
  orderDir: OrderDir;
  /** Keep only items the local filters accept. */
  accept: (item: Item) => boolean;
  /** Keep only items strictly after this key (continuing from a cursor). */
  after?: SortKey;
}

export interface OrderedStream {
  readonly vendor: string;
  /** The next item in the total order without consuming it; null at the end. May fetch. */
  peek(): Promise<Item | null>;
  /** Consume the item `peek` returned. */
  take(): void;
  /** Where a later request should resume reading this vendor; null when it needs no position. */
  position(): VendorPosition | null;
}

/** A thrown marker: the vendor broke the order it promised, so its items can't be merged lazily. */
export class OrderViolation extends Error {}

interface Pending {
  item: Item;
  page: SourcePage;
  index: number;
  /** Order in which the vendor sent it. */
  seq: number;
}

/**
 * Reads a vendor that orders by our field itself. Its order says nothing of ties, so an item is released
 * only once the vendor has moved past its instant (or ended); until then it waits, sorted by id.
 */
export function orderedStream(vendor: string, source: PageSource, opts: StreamOptions): OrderedStream {
  const cmp = compareKeys(opts.orderDir);
  const cmpTime = compareTimes(opts.orderDir);
  const key = (i: Item) => keyOf(i, opts.orderBy);
  const pending: Pending[] = [];
  const seen = new Set<string>();
  let pageNo = 0;
  let page: SourcePage | null | undefined;
  let index = 0;
  let done = false;
  let lastTime: number | null | undefined;
  let seq = 0;

  async function readOne(): Promise<void> {
    if (page === undefined || (page !== null && index >= page.entries.length)) {
      page = await source.page(pageNo++);
      index = page ? page.skip : 0;
      if (page === null) done = true;
      return;
    }
    if (page === null) return;
    const i = index++;
    const item = page.entries[i];
    if (!item) return;
    const t = item.times[opts.orderBy];
    if (lastTime !== undefined && cmpTime(t, lastTime) < 0) {
      throw new OrderViolation(`items arrived out of ${opts.orderBy} ${opts.orderDir} order`);
    }
    lastTime = t;
    const id = item.id;
    if (seen.has(id)) return; // offset paging over moving data can repeat an item
    seen.add(id);
    if (!opts.accept(item)) return;
    if (opts.after && cmp(key(item), opts.after) <= 0) return;
    // Insert in order; the pending list only ever holds one instant's ties, so it stays short.
    const entry = { item, page, index: i, seq: seq++ };
    let at = pending.length;
    while (at > 0 && cmp(key(pending[at - 1]!.item), key(item)) > 0) at--;
    pending.splice(at, 0, entry);
  }

  const releasable = (): boolean => {
    const head = pending[0];
    if (!head) return false;
    if (done) return true;
    return lastTime !== undefined && cmpTime(head.item.times[opts.orderBy], lastTime) < 0;
  };

  return {
    vendor,
    async peek() {
      while (!releasable() && !done) await readOne();
      return pending[0]?.item ?? null;
    },
    take() {
      pending.shift();
    },
    position() {
      // Resume at the earliest item read but not yet returned; anything returned after it is skipped
      // again by the cursor's key.
      let first: Pending | undefined;
      for (const p of pending) if (!first || p.seq < first.seq) first = p;
      if (first) return source.position(first.page, first.index);
      if (page && index < page.entries.length) return source.position(page, index);
      return source.end();
    },
  };
}

/** A vendor read whole: `items` are its matches (already filtered), sorted here. */
export function sortedStream(vendor: string, items: readonly Item[], opts: Omit<StreamOptions, 'accept'>): OrderedStream {
  const cmp = compareKeys(opts.orderDir);
  let list = [...items].sort((a, b) => cmp(keyOf(a, opts.orderBy), keyOf(b, opts.orderBy)));
  if (opts.after) {
    const after = opts.after;
    list = list.filter((i) => cmp(keyOf(i, opts.orderBy), after) > 0);
  }
  let i = 0;
  return {
    vendor,
    peek: async () => list[i] ?? null,
    take() {
      i++;
    },
    position: () => null,
  };
}
