/** The merge and the per-vendor streams, on in-memory sources: pure logic, no HTTP. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Item } from '../../src/model/conversation.js';
import type { OrderDir } from '../../src/model/query.js';
import { mergePage } from '../../src/merge/merge.js';
import { compareKeys, keyOf } from '../../src/model/order.js';
import type { SourcePage } from '../../src/sources/fetcher.js';
import { OrderViolation, orderedStream, type PageSource } from '../../src/sources/live-lazy.js';
import { sortedStream } from '../../src/sources/live-whole.js';

function item(vendor: string, id: string, t: number | null): Item {
  return {
    id: `${vendor}:${id}`,
    conversation: {
      id: `${vendor}:${id}`, vendor, externalId: id, title: null, status: null, channel: null,
      createdAt: null, updatedAt: null, lastActivityAt: t === null ? null : new Date(t).toISOString(), closedAt: null,
      handledBy: null, agent: null, contact: null, messageCount: null, lastMessage: null,
    },
    times: { createdAt: null, updatedAt: null, lastActivityAt: t },
    keys: { leadId: null, visitorId: null, userId: null },
    searchText: '',
  };
}

/** An offset-paged source over a list the "vendor" already ordered by time only (ties in its own order). */
function memorySource(list: Item[], pageSize: number, calls = { n: 0 }): PageSource {
  return {
    async page(i) {
      const from = i * pageSize;
      if (from >= list.length && i > 0) return null;
      calls.n++;
      const page: SourcePage = { token: from, size: pageSize, skip: 0, entries: list.slice(from, from + pageSize) };
      return page.entries.length === 0 ? null : page;
    },
    position: (p, index) => ({ token: Number(p.token) + index, skip: 0 }),
    end: () => null,
  };
}

/** How a vendor that orders by time alone might send items: ties in arbitrary (here: reversed-id) order. */
function vendorOrder(items: Item[], dir: OrderDir): Item[] {
  const sign = dir === 'asc' ? 1 : -1;
  return [...items].sort((a, b) => {
    const ta = a.times.lastActivityAt;
    const tb = b.times.lastActivityAt;
    if (ta !== tb) return ta === null ? 1 : tb === null ? -1 : (ta - tb) * sign;
    return a.conversation.id < b.conversation.id ? 1 : -1;
  });
}

const opts = (dir: OrderDir) => ({ orderBy: 'lastActivityAt' as const, orderDir: dir, accept: () => true });

describe('orderedStream', () => {
  it('releases ties in id order even when the vendor sends them otherwise', async () => {
    const list = vendorOrder([item('v', 'c', 5), item('v', 'a', 5), item('v', 'b', 5), item('v', 'z', 9)], 'desc');
    const s = orderedStream('v', memorySource(list, 2), opts('desc'));
    const out: string[] = [];
    for (let i = await s.peek(); i; i = await s.peek()) {
      out.push(i.conversation.externalId);
      s.take();
    }
    expect(out).toEqual(['z', 'c', 'b', 'a']);
  });

  it('puts null instants last in both directions', async () => {
    for (const dir of ['asc', 'desc'] as const) {
      const list = vendorOrder([item('v', 'n1', null), item('v', 'x', 3), item('v', 'n2', null), item('v', 'y', 1)], dir);
      const s = orderedStream('v', memorySource(list, 3), opts(dir));
      const out: string[] = [];
      for (let i = await s.peek(); i; i = await s.peek()) {
        out.push(i.conversation.externalId);
        s.take();
      }
      expect(out.slice(2)).toEqual(dir === 'asc' ? ['n1', 'n2'] : ['n2', 'n1']);
    }
  });

  it('fails loudly when the vendor breaks the order it promised', async () => {
    const s = orderedStream('v', memorySource([item('v', 'a', 1), item('v', 'b', 5)], 5), opts('desc'));
    await expect(async () => {
      for (let i = await s.peek(); i; i = await s.peek()) s.take();
    }).rejects.toThrowError(OrderViolation);
  });

  it('reads only the pages the merge needs', async () => {
    const list = vendorOrder(Array.from({ length: 100 }, (_, i) => item('v', `i${String(i).padStart(3, '0')}`, i * 10)), 'desc');
    const calls = { n: 0 };
    const page = await mergePage([orderedStream('v', memorySource(list, 10, calls), opts('desc'))], { offset: 0, limit: 5, orderBy: 'lastActivityAt', orderDir: 'desc' });
    expect(page.items).toHaveLength(5);
    expect(page.hasMore).toBe(true);
    expect(calls.n).toBe(1);
  });
});

describe('mergePage', () => {
  it('equals the sorted union sliced, for random vendors, ties, offsets and directions', async () => {
    const vendorArb = fc.array(fc.option(fc.integer({ min: 0, max: 6 }), { freq: 6 }), { maxLength: 25 });
    await fc.assert(
      fc.asyncProperty(
        fc.array(vendorArb, { minLength: 1, maxLength: 4 }),
        fc.constantFrom<OrderDir>('asc', 'desc'),
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 1, max: 15 }),
        fc.integer({ min: 1, max: 7 }),
        async (vendors, dir, offset, limit, pageSize) => {
          const all: Item[] = [];
          const streams = vendors.map((times, vi) => {
            const items = times.map((t, i) => item(`v${vi}`, `x${i}`, t === null ? null : t * 1000));
            all.push(...items);
            // Even vendors order for us (lazy, paged); odd ones are read whole and sorted here.
            return vi % 2 === 0
              ? orderedStream(`v${vi}`, memorySource(vendorOrder(items, dir), pageSize), opts(dir))
              : sortedStream(`v${vi}`, [...items].reverse(), { orderBy: 'lastActivityAt', orderDir: dir });
          });
          const cmp = compareKeys(dir);
          const ref = all.sort((a, b) => cmp(keyOf(a, 'lastActivityAt'), keyOf(b, 'lastActivityAt')));
          const page = await mergePage(streams, { offset, limit, orderBy: 'lastActivityAt', orderDir: dir });
          expect(page.items.map((i) => i.conversation.id)).toEqual(ref.slice(offset, offset + limit).map((i) => i.conversation.id));
          expect(page.hasMore).toBe(offset + limit < ref.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('resumes each vendor from its position and the last key without gaps or repeats', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 20 }), { minLength: 1, maxLength: 3 }),
        fc.constantFrom<OrderDir>('asc', 'desc'),
        fc.integer({ min: 1, max: 6 }),
        async (vendors, dir, limit) => {
          const lists = vendors.map((times, vi) => vendorOrder(times.map((t, i) => item(`v${vi}`, `x${i}`, t * 1000)), dir));
          const cmp = compareKeys(dir);
          const ref = lists.flat().sort((a, b) => cmp(keyOf(a, 'lastActivityAt'), keyOf(b, 'lastActivityAt'))).map((i) => i.conversation.id);
          const seen: string[] = [];
          let positions: ({ token: string | number | null; skip: number } | null)[] = lists.map(() => null);
          let after: { time: number | null; id: string } | undefined;
          for (let guard = 0; guard < 100; guard++) {
            const streams = lists.map((list, vi) => {
              const pos = positions[vi];
              const rest = pos ? list.slice(Number(pos.token)) : list;
              const base = pos ? Number(pos.token) : 0;
              const src: PageSource = {
                async page(i) {
                  const entries = rest.slice(i * 3, i * 3 + 3);
                  return entries.length ? { token: base + i * 3, size: 3, skip: 0, entries } : null;
                },
                position: (p, index) => ({ token: Number(p.token) + index, skip: 0 }),
                end: () => ({ token: list.length, skip: 0 }),
              };
              return orderedStream(`v${vi}`, src, { ...opts(dir), ...(after ? { after } : {}) });
            });
            const page = await mergePage(streams, { offset: 0, limit, orderBy: 'lastActivityAt', orderDir: dir });
            seen.push(...page.items.map((i) => i.conversation.id));
            if (!page.hasMore) break;
            after = keyOf(page.items.at(-1)!, 'lastActivityAt');
            positions = streams.map((s) => s.position());
          }
          expect(seen).toEqual(ref);
        },
      ),
      { numRuns: 200 },
    );
  });
});
