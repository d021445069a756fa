/**
 * One contract, three source kinds (as hono's routers share one suite): the same vendor and data read live
 * lazily (it orders for us), live whole (the same vendor told it can't) and from its mirror. Each must give
 * the merge the same items in the one total order, after a cursor's key too, again when the merge runs a
 * second time, and an exact total.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateConversations } from '../../sim/canonical.js';
import { mergePage } from '../../src/merge/merge.js';
import { keyOf } from '../../src/model/order.js';
import type { Filters, OrderDir, OrderField, Query } from '../../src/model/query.js';
import { planQuery } from '../../src/plan/plan.js';
import { mirrorCounts, openSource, type Source } from '../../src/sources/index.js';
import { DIALECT_VENDORS } from '../helpers/harness.js';
import { referenceList, type RefQuery } from '../helpers/reference.js';
import { mirrorRig, type Rig } from '../mirror/rig.js';

const cursorly = DIALECT_VENDORS.find((v) => v.name === 'cursorly')!;
const data = generateConversations({ seed: 21, count: 83, spanSeconds: 3600 * 3, idPrefix: 'cur', channels: ['whatsapp', 'mail'] });

/** One kind: how to open a source for a query. */
interface Kind {
  name: Source['kind'];
  open(q: Query): Promise<Source>;
}

let lazyRig: Rig;
let wholeRig: Rig;
const kinds: Kind[] = [];

beforeAll(async () => {
  // The vendor as configured (it orders for us), with a mirror kept by the real sync.
  lazyRig = await mirrorRig(cursorly, data, { edit: (v) => (v.mirror = { serve: 'always' }) });
  await lazyRig.full();
  // The same vendor and data, configured without its order: it must be read whole.
  wholeRig = await mirrorRig(cursorly, data, { edit: (v) => (delete v.request.order, (v.mirror = {})) });
  const ctx = (r: Rig) => ({ upstream: r.live, signal: new AbortController().signal, requestId: 'contract', map: { messages: false, raw: false }, clock: r.clock });
  const counts = mirrorCounts();
  kinds.push(
    { name: 'live-lazy', open: async (q) => openSource(planQuery(q, [lazyRig.vendor]).vendors[0]!, lazyRig.vendor, q, ctx(lazyRig)) },
    { name: 'live-whole', open: async (q) => openSource(planQuery(q, [wholeRig.vendor]).vendors[0]!, wholeRig.vendor, q, ctx(wholeRig)) },
    {
      name: 'mirror',
      open: async (q) => {
        const meta = await lazyRig.meta();
        const m = new Map([[lazyRig.vendor.name, { ready: true, messages: true, raw: false, serve: 'always' as const }]]);
        const view = { store: lazyRig.store, mirrorId: meta.id, rev: meta.rev, syncedAt: meta.syncedAt, maxLagMs: 60_000, counts };
        return openSource(planQuery(q, [lazyRig.vendor], m).vendors[0]!, lazyRig.vendor, q, ctx(lazyRig), view);
      },
    },
  );
});
afterAll(async () => {
  await lazyRig?.close();
  await wholeRig?.close();
});

const query = (over: Partial<Query> = {}): Query => ({ vendors: [], filters: {}, orderBy: 'lastActivityAt', orderDir: 'desc', include: [], strict: false, explain: false, onVendorError: 'partial', limit: 10, offset: 0, ...over });
const ref = (q: RefQuery) => referenceList([{ name: 'cursorly', module: cursorly.module, data, vendorSearch: false }], q).map((c) => c.id);

async function drain(s: Source): Promise<string[]> {
  const stream = s.stream();
  const ids: string[] = [];
  for (let item = await stream.peek(); item; item = await stream.peek()) {
    ids.push(item.id);
    stream.take();
  }
  return ids;
}

const ORDERS: [OrderField, OrderDir][] = [['lastActivityAt', 'desc'], ['createdAt', 'asc'], ['updatedAt', 'desc']];
const FILTERS: Filters[] = [{}, { status: 'open' }, { channel: 'mail' }, { search: 'refund' }];

describe.each(['live-lazy', 'live-whole', 'mirror'] as const)('source contract: %s', (name) => {
  const kind = () => kinds.find((k) => k.name === name)!;

  it('is the kind its plan names', async () => {
    expect((await kind().open(query())).kind).toBe(name);
  });

  it.each(ORDERS)('streams every match in the total order (%s %s), under every filter, with an exact total', async (orderBy, orderDir) => {
    for (const filters of FILTERS) {
      const s = await kind().open(query({ orderBy, orderDir, filters }));
      const want = ref({ orderBy, orderDir, ...(filters as RefQuery) });
      expect(await drain(s), JSON.stringify(filters)).toEqual(want);
      expect(await s.total(true), JSON.stringify(filters)).toBe(want.length);
    }
  });

  it('streams the same items again when the merge runs a second time', async () => {
    const s = await kind().open(query({ limit: 7 }));
    const first = await mergePage([s.stream()], { offset: 0, limit: 7, orderBy: 'lastActivityAt', orderDir: 'desc' });
    const again = await mergePage([s.stream()], { offset: 0, limit: 7, orderBy: 'lastActivityAt', orderDir: 'desc' });
    expect(again.items.map((i) => i.id)).toEqual(first.items.map((i) => i.id));
    expect(first.items.map((i) => i.id)).toEqual(ref({}).slice(0, 7));
  });

  it('started before the merge asks (live kinds), its first read goes out at once and the page is the same for the same calls', async () => {
    const opts = { offset: 0, limit: 7, orderBy: 'lastActivityAt' as const, orderDir: 'desc' as const };
    const plain = await kind().open(query({ limit: 7 }));
    const want = await mergePage([plain.stream()], opts);
    const s = await kind().open(query({ limit: 7 }));
    if (name === 'mirror') {
      expect(s.start).toBeUndefined(); // local reads: nothing to send ahead
    } else {
      const sim = (name === 'live-whole' ? wholeRig : lazyRig).sim;
      const before = sim.calls.length;
      s.start!();
      s.start!(); // twice: still one read
      const end = Date.now() + 10_000;
      while (sim.calls.length === before && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
      expect(sim.calls.length).toBeGreaterThan(before);
    }
    const got = await mergePage([s.stream()], opts);
    expect(got.items.map((i) => i.id)).toEqual(want.items.map((i) => i.id));
    expect(s.stats.calls).toBe(plain.stats.calls);
  });

  it('after a cursor key, only what comes strictly after it', async () => {
    const all = ref({ orderBy: 'createdAt', orderDir: 'asc' });
    const whole = await drain(await kind().open(query({ orderBy: 'createdAt', orderDir: 'asc' })));
    const at = 30;
    const s0 = await kind().open(query({ orderBy: 'createdAt', orderDir: 'asc', limit: at }));
    const page = await mergePage([s0.stream()], { offset: 0, limit: at, orderBy: 'createdAt', orderDir: 'asc' });
    const after = keyOf(page.items.at(-1)!, 'createdAt');
    const s = await kind().open(query({ orderBy: 'createdAt', orderDir: 'asc', after, positions: s0.position() ? { cursorly: s0.position()! } : {} }));
    expect(whole).toEqual(all);
    expect(await drain(s)).toEqual(all.slice(at));
  });

  it('pages by offset exactly as the reference slices', async () => {
    for (const offset of [0, 9, 40, 80]) {
      const s = await kind().open(query({ offset, limit: 9 }));
      const page = await mergePage([s.stream()], { offset, limit: 9, orderBy: 'lastActivityAt', orderDir: 'desc' });
      expect(page.items.map((i) => i.id), `offset ${offset}`).toEqual(ref({}).slice(offset, offset + 9));
      expect(page.hasMore).toBe(offset + 9 < data.length);
    }
  });
});

describe('mirror source reads', () => {
  it('a short read brings its rows shapes in the same query; a deep one reads keys and fills only the items the page shows', async () => {
    const store = lazyRig.store;
    const calls = { page: 0, shapes: 0, shapeIds: 0 };
    const page = store.page.bind(store);
    const shapes = store.shapes.bind(store);
    store.page = ((...a: Parameters<typeof page>) => (calls.page++, page(...a))) as typeof store.page;
    store.shapes = ((id, rev, ids, w) => (calls.shapes++, (calls.shapeIds += ids.length), shapes(id, rev, ids, w))) as typeof store.shapes;
    try {
      const mirror = kinds.find((k) => k.name === 'mirror')!;
      // 11 rows read (a first page of 10 and the one after it), then 141 (offset 40, limit 100: past 128 rows, keys only).
      for (const [offset, limit] of [[0, 10], [40, 100]] as const) {
        Object.assign(calls, { page: 0, shapes: 0, shapeIds: 0 });
        const s = await mirror.open(query({ limit, offset }));
        const merged = await mergePage([s.stream()], { offset, limit, orderBy: 'lastActivityAt', orderDir: 'desc' });
        await s.fill!(merged.items);
        // What the page shows is whole either way.
        const want = ref({}).slice(offset, offset + limit);
        expect(merged.items.map((i) => i.conversation.id)).toEqual(want);
        expect(calls).toEqual(offset === 0 ? { page: 1, shapes: 0, shapeIds: 0 } : { page: 1, shapes: 1, shapeIds: want.length });
      }
    } finally {
      store.page = page;
      store.shapes = shapes;
    }
  });
});
