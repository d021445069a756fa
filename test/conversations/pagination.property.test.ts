/**
 * The gateway's central promise, checked on random data and random queries: every page equals the same
 * slice of the reference (the union of every included vendor's matches sorted in one list), totals are
 * exact when given, and a cursor walk from the first page enumerates every match exactly once, in order.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateConversations, uuidFrom, prng, DEMO_START } from '../../sim/canonical.js';
import { ALL_VENDORS, startHarness, type Harness } from '../helpers/harness.js';
import { referenceList, toQueryString, type RefQuery, type RefVendor } from '../helpers/reference.js';

const rand = prng(7);
const LEADS = [uuidFrom(rand), uuidFrom(rand), uuidFrom(rand)];
const AGENTS = [0, 1, 2].map((i) => ({ id: uuidFrom(rand), name: `Agent ${i}` }));
const CHANNELS = ['whatsapp', 'website', 'mail'];
const NAMES = ALL_VENDORS.map((v) => v.name);

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ vendors: ALL_VENDORS });
});
afterAll(async () => h?.close());

const datasetArb = fc.record({
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  // Small windows force many equal timestamps: the tie-breaking path.
  spanSeconds: fc.constantFrom(3, 40, 86_400 * 20),
  counts: fc.array(fc.integer({ min: 0, max: 28 }), { minLength: NAMES.length, maxLength: NAMES.length }),
});

const instantArb = (span: number) =>
  fc.integer({ min: 0, max: span }).map((s) => new Date(DEMO_START + s * 1000).toISOString());

const queryArb = (span: number) => {
  const filterArbs = {
    status: fc.constantFrom('open', 'closed'),
    channel: fc.constantFrom(...CHANNELS),
    agentId: fc.constantFrom(...AGENTS.map((a) => a.id)),
    leadId: fc.constantFrom(...LEADS),
    search: fc.constantFrom('refund', 'order', 'ana', 'the link', '#10'),
    createdAfter: instantArb(span),
    createdBefore: instantArb(span),
    updatedAfter: instantArb(span),
    updatedBefore: instantArb(span),
  };
  type Key = keyof typeof filterArbs;
  // Zero to two filters per query: more would make most results empty and test little.
  const filters = fc
    .subarray(Object.keys(filterArbs) as Key[], { maxLength: 2 })
    .chain((keys) => fc.record(Object.fromEntries(keys.map((k) => [k, filterArbs[k]])) as Record<Key, fc.Arbitrary<string>>));
  return fc
    .tuple(
      filters,
      fc.record(
        {
          vendor: fc.subarray(NAMES, { minLength: 1 }).map((xs) => xs.join(',')),
          orderBy: fc.constantFrom('lastActivityAt', 'createdAt', 'updatedAt'),
          orderDir: fc.constantFrom('asc', 'desc'),
        },
        { requiredKeys: [] },
      ),
    )
    .map(([f, rest]) => {
      const q: Record<string, string> = { ...f, ...rest };
      // Keep ranges non-empty (an empty range is a 400, tested elsewhere).
      for (const [a, b] of [['createdAfter', 'createdBefore'], ['updatedAfter', 'updatedBefore']] as const) {
        if (q[a] && q[b] && q[a]! >= q[b]!) delete q[b];
      }
      return q;
    });
};

function seedData(ds: { seed: number; spanSeconds: number; counts: number[] }) {
  const data: Record<string, ReturnType<typeof generateConversations>> = {};
  NAMES.forEach((name, i) => {
    data[name] = generateConversations({
      seed: ds.seed + i,
      count: ds.counts[i] ?? 0,
      spanSeconds: ds.spanSeconds,
      idPrefix: `${name.slice(0, 3)}${i}`,
      channels: CHANNELS,
      leads: LEADS,
      agents: AGENTS,
    });
    h.sims.get(name)!.data = data[name]!;
  });
  return data;
}

async function referenceFor(q: Record<string, string | undefined>, data: Record<string, ReturnType<typeof generateConversations>>) {
  const res = await h.get(`/conversations${toQueryString({ ...q, explain: true, limit: 1 })}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const included: RefVendor[] = [];
  for (const p of res.body.plan as { vendor: string; action: string; pushedFilters: string[]; localFilters: string[] }[]) {
    if (p.action === 'skip') continue;
    const v = ALL_VENDORS.find((x) => x.name === p.vendor)!;
    included.push({
      name: v.name,
      module: v.module,
      data: data[v.name]!,
      vendorSearch: p.pushedFilters.includes('search') && !p.localFilters.includes('search'),
    });
  }
  return referenceList(included, q as RefQuery);
}

describe('pagination over every vendor dialect', () => {
  let nonEmpty = 0;
  it('every offset page equals the same slice of the reference, with exact hasMore and total', async () => {
    await fc.assert(
      fc.asyncProperty(
        datasetArb.chain((ds) => fc.tuple(fc.constant(ds), queryArb(ds.spanSeconds), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 45 }))),
        async ([ds, q, limit, offset]) => {
          const data = seedData(ds);
          const ref = await referenceFor(q, data);
          nonEmpty += ref.length > offset ? 1 : 0;
          const res = await h.get(`/conversations${toQueryString({ ...q, limit, offset })}`);
          expect(res.status, JSON.stringify(res.body)).toBe(200);
          expect(res.body.partial).toBe(false);
          expect(res.body.data).toEqual(ref.slice(offset, offset + limit));
          expect(res.body.hasMore).toBe(offset + limit < ref.length);
          if (res.body.total !== null) expect(res.body.total).toBe(ref.length);
        },
      ),
      { numRuns: 150 },
    );
    // Guard against a generator that only ever produces empty pages.
    expect(nonEmpty).toBeGreaterThan(15);
  });

  it('a cursor walk from the first page returns every match exactly once, in order', async () => {
    await fc.assert(
      fc.asyncProperty(
        datasetArb.chain((ds) => fc.tuple(fc.constant(ds), queryArb(ds.spanSeconds), fc.integer({ min: 1, max: 9 }))),
        async ([ds, q, limit]) => {
          const data = seedData(ds);
          const ref = await referenceFor(q, data);
          const seen: string[] = [];
          let res = await h.get(`/conversations${toQueryString({ ...q, limit })}`);
          for (let page = 0; ; page++) {
            expect(res.status, JSON.stringify(res.body)).toBe(200);
            expect(res.body.offset).toBe(seen.length);
            seen.push(...res.body.data.map((c: { id: string }) => c.id));
            if (!res.body.nextCursor) break;
            expect(page).toBeLessThan(200);
            res = await h.get(`/conversations?cursor=${encodeURIComponent(res.body.nextCursor)}`);
          }
          expect(seen).toEqual(ref.map((c) => c.id));
        },
      ),
      { numRuns: 80 },
    );
  });

  /** Fails `vendor` for one request: the fault is set before it and cleared (with breaker state) after. */
  async function failing(vendor: string | null, path: string) {
    if (vendor) h.sims.get(vendor)!.fault = { kind: 'internal' };
    try {
      return await h.get(path);
    } finally {
      if (vendor) {
        h.sims.get(vendor)!.fault = null;
        h.resetState();
      }
    }
  }
  const faultsArb = fc.array(fc.option(fc.constantFrom(...NAMES), { freq: 2 }), { minLength: 40, maxLength: 40 });

  it('onVendorError=fail: with a random vendor failing random pages, retrying the failed cursor still returns every match once, in order', async () => {
    let retried = 0;
    await fc.assert(
      fc.asyncProperty(
        datasetArb.chain((ds) => fc.tuple(fc.constant(ds), queryArb(ds.spanSeconds), fc.integer({ min: 1, max: 9 }), faultsArb)),
        async ([ds, q, limit, faults]) => {
          const data = seedData(ds);
          const ref = await referenceFor(q, data);
          const seen: string[] = [];
          let path = `/conversations${toQueryString({ ...q, limit, onVendorError: 'fail' })}`;
          for (let call = 0; ; call++) {
            expect(call).toBeLessThan(400);
            const res = await failing(faults[call % faults.length] ?? null, path);
            if (res.status !== 200) {
              expect(res.status, JSON.stringify(res.body)).toBe(502);
              expect(res.body.errors).toHaveLength(1);
              retried++;
              continue; // the same path again: the fault has passed
            }
            expect(res.body.partial).toBe(false);
            expect(res.body.offset).toBe(seen.length);
            seen.push(...res.body.data.map((c: { id: string }) => c.id));
            if (!res.body.nextCursor) break;
            path = `/conversations?cursor=${encodeURIComponent(res.body.nextCursor)}`;
          }
          expect(seen).toEqual(ref.map((c) => c.id));
        },
      ),
      { numRuns: 40 },
    );
    // Guard against faults that never hit an included vendor.
    expect(retried).toBeGreaterThan(10);
  });

  it('onVendorError=partial: a walk with random failures loses only items of the vendors its last page names in missed, never repeats one, keeps the order', async () => {
    let lostSome = 0;
    await fc.assert(
      fc.asyncProperty(
        datasetArb.chain((ds) => fc.tuple(fc.constant(ds), queryArb(ds.spanSeconds), fc.integer({ min: 1, max: 9 }), faultsArb)),
        async ([ds, q, limit, faults]) => {
          const data = seedData(ds);
          const ref = (await referenceFor(q, data)).map((c) => c.id);
          const seen: string[] = [];
          let path = `/conversations${toQueryString({ ...q, limit })}`;
          let last: { missed?: { vendor: string }[]; partial: boolean } | undefined;
          for (let page = 0; ; page++) {
            expect(page).toBeLessThan(200);
            const res = await failing(faults[page % faults.length] ?? null, path);
            if (res.status !== 200) {
              // Only when every included vendor failed (a single-vendor query): nothing more to walk.
              expect(res.body.detail, JSON.stringify(res.body)).toMatch(/^every vendor failed/);
              return;
            }
            seen.push(...res.body.data.map((c: { id: string }) => c.id));
            last = res.body;
            if (!res.body.nextCursor) break;
            path = `/conversations?cursor=${encodeURIComponent(res.body.nextCursor)}`;
          }
          expect(new Set(seen).size).toBe(seen.length);
          expect(seen).toEqual(ref.filter((id) => seen.includes(id)));
          const named = new Set((last?.missed ?? []).map((m) => m.vendor));
          const lost = ref.filter((id) => !seen.includes(id));
          for (const id of lost) expect(named.has(id.slice(0, id.indexOf(':')))).toBe(true);
          if (named.size > 0) expect(last?.partial).toBe(true);
          lostSome += lost.length > 0 ? 1 : 0;
        },
      ),
      { numRuns: 40 },
    );
    expect(lostSome).toBeGreaterThan(3);
  });
});
