/**
 * One contract every vendor config passes, whatever its dialect and whichever source serves it: the three
 * seed vendors and the test-only dialects run the same suite through the gateway's HTTP API over their
 * simulators, read live, and again served from their mirrors (every vendor mirrored: the seed vendors with
 * their own mirror block, the others with `serve: always`).
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateConversations, prng, uuidFrom } from '../../sim/canonical.js';
import type { CanonicalConversation } from '../../sim/canonical.js';
import { ALL_VENDORS, startHarness, type Harness, type VendorUnderTest } from '../helpers/harness.js';
import { referenceList, toQueryString, type RefQuery } from '../helpers/reference.js';
import { carriesMessages } from '../../sim/uncodie.js';
import { loadVendor } from '../dialects/harness.js';

const rand = prng(99);
const LEADS = [uuidFrom(rand), uuidFrom(rand)];
const AGENTS = [{ id: uuidFrom(rand), name: 'Agent A' }, { id: uuidFrom(rand), name: 'Agent B' }];

const MODES = ['live', 'mirror'] as const;
const CASES = MODES.flatMap((mode) => ALL_VENDORS.map((vendor) => ({ mode, vendor, name: vendor.name })));

/** Every vendor's data holds one conversation with no message at all (index EMPTY). */
const EMPTY = 7;
const dataFor = (vendor: VendorUnderTest) => {
  const data = generateConversations({ seed: vendor.name.length * 31, count: 57, spanSeconds: 3600 * 6, idPrefix: vendor.name, leads: LEADS, agents: AGENTS, channels: ['whatsapp', 'website', 'mail'] });
  data[EMPTY]!.messages = [];
  return data;
};

/**
 * What include=messages gives for a conversation with no message, per vendor: [] where the vendor gives
 * messages, null where it can't (its list carries none; Uncodie only on the rows that carry them).
 */
const NO_MESSAGES: Record<string, (c: CanonicalConversation) => [] | null> = {
  siteassist: () => null,
  superagentes: () => [],
  uncodie: (c) => (carriesMessages(c) ? [] : null),
  cursorly: () => null,
  pagebox: () => null,
  latestfirst: () => null,
  crisply: () => null,
  woot: () => null,
};

describe.each(CASES)('vendor contract ($mode): $name', ({ mode, vendor }: { mode: (typeof MODES)[number]; vendor: VendorUnderTest }) => {
  let h: Harness;
  let data: CanonicalConversation[];
  /** The vendor's own search decides (a search we can't re-check): from its published capabilities. */
  let searchIsVendors = false;
  beforeAll(async () => {
    data = dataFor(vendor);
    h = await startHarness({ vendors: [vendor], data: { [vendor.name]: data }, ...(mode === 'mirror' ? { mirrors: { serveAlways: true } } : {}) });
    await h.mirrorsReady();
    searchIsVendors = (await h.get('/vendors')).body.data[0].capabilities.filters.search === 'pushed';
  });
  afterAll(async () => h?.close());

  const refVendor = (vendorSearch = false) => ({ name: vendor.name, module: vendor.module, data, vendorSearch });

  async function walk(q: Record<string, string | number | undefined>): Promise<{ ids: string[]; pages: any[] }> {
    const pages: any[] = [];
    let res = await h.get(`/conversations${toQueryString(q)}`);
    for (;;) {
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      pages.push(res.body);
      if (!res.body.nextCursor) break;
      res = await h.get(`/conversations?cursor=${encodeURIComponent(res.body.nextCursor)}`);
    }
    return { ids: pages.flatMap((p) => p.data.map((c: { id: string }) => c.id)), pages };
  }

  it('maps every item exactly, with an exact total', async () => {
    const res = await h.get('/conversations?limit=100');
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual(referenceList([refVendor()], {}));
    expect(res.body.total).toBe(data.length);
    expect(res.body.sources).toEqual([expect.objectContaining({ vendor: vendor.name, status: 'ok', mode, total: data.length })]);
    if (mode === 'mirror') {
      const [s] = res.body.sources;
      expect(s.calls).toBe(0);
      expect(Date.parse(s.syncedAt)).toBeGreaterThan(0);
      expect(s.lagMs).toBeGreaterThanOrEqual(0);
    }
  });

  it.each([
    ['lastActivityAt', 'desc'], ['lastActivityAt', 'asc'], ['createdAt', 'desc'],
    ['createdAt', 'asc'], ['updatedAt', 'desc'], ['updatedAt', 'asc'],
  ] as const)('walks every item once in %s %s order by cursor', async (orderBy, orderDir) => {
    const { ids, pages } = await walk({ orderBy, orderDir, limit: 8 });
    expect(ids).toEqual(referenceList([refVendor()], { orderBy, orderDir }).map((c) => c.id));
    expect(pages.map((p) => p.offset)).toEqual(pages.map((_, i) => i * 8));
  });

  it('answers each filter exactly, or skips the vendor and says why', async () => {
    const probe = data[5]!;
    const filters: RefQuery[] = [
      { status: 'open' }, { status: 'closed' }, { channel: 'whatsapp' }, { channel: 'website' },
      { agentId: AGENTS[0]!.id }, { leadId: probe.leadId }, { visitorId: probe.visitorId }, { userId: probe.userId },
      { search: 'refund' },
      { createdAfter: new Date(probe.createdAt).toISOString() }, { createdBefore: new Date(probe.createdAt).toISOString() },
      { updatedAfter: new Date(probe.updatedAt).toISOString() }, { updatedBefore: new Date(probe.updatedAt).toISOString() },
    ];
    for (const f of filters) {
      const res = await h.get(`/conversations${toQueryString({ ...f, limit: 100, explain: true })}`);
      expect(res.status, JSON.stringify(f)).toBe(200);
      const [source] = res.body.sources;
      if (source.status === 'skipped') {
        expect(source.reason, JSON.stringify(f)).toMatch(new RegExp(Object.keys(f)[0]!));
        expect(res.body.data).toEqual([]);
        continue;
      }
      const plan = res.body.plan[0];
      if (plan.action === 'fetch') expect(plan.read === 'mirror', JSON.stringify(f)).toBe(mode === 'mirror');
      // A mirror holds what the vendor's own search looks in: it answers as the vendor would.
      const vendorSearch = mode === 'mirror' ? searchIsVendors : plan.pushedFilters.includes('search') && !plan.localFilters.includes('search');
      const ref = referenceList([refVendor(vendorSearch)], f);
      expect(res.body.data, JSON.stringify(f)).toEqual(ref);
      if (res.body.total !== null) expect(res.body.total).toBe(ref.length);
    }
  });

  it('returns the vendor item under raw, and messages where the vendor gives them', async () => {
    const res = await h.get('/conversations?limit=5&include=raw,messages');
    expect(res.status).toBe(200);
    const ref = referenceList([refVendor()], {}, { messages: true }).slice(0, 5);
    expect(res.body.data.map(({ raw, ...c }: { raw: unknown }) => c)).toEqual(ref);
    for (const c of res.body.data) expect(typeof c.raw).toBe('object');
  });

  it('include=messages: every item has the key, [] where the vendor gives none, null where it cannot give them', async () => {
    const res = await h.get('/conversations?limit=100&include=messages');
    expect(res.status).toBe(200);
    for (const c of res.body.data) expect(Object.keys(c), c.id).toContain('messages');
    const empty = res.body.data.find((c: { externalId: string }) => c.externalId === data[EMPTY]!.id);
    expect(empty.messages).toEqual(NO_MESSAGES[vendor.name]!(data[EMPTY]!));
    expect(res.body.data).toEqual(referenceList([refVendor()], {}, { messages: true }));
    // Not asked for: the key is absent on every vendor.
    const plain = await h.get('/conversations?limit=5');
    for (const c of plain.body.data) expect(Object.keys(c)).not.toContain('messages');
  });

  it('GET /conversations/{id}: the item the list shows, from the mirror, the detail request, or a 404 saying why', async () => {
    const want = referenceList([refVendor()], {}, { messages: true })[3]!;
    const res = await h.get(`/conversations/${encodeURIComponent(want.id)}?include=messages`);
    // Whether the vendor's config declares a detail request (only that, or a mirror, reads by id).
    const hasDetail = /^detail:/m.test(await readFile(vendor.configFile, 'utf8'));
    if (mode === 'live' && !hasDetail) {
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ code: 'NOT_FOUND', detail: `no conversation ${want.id}: vendor ${vendor.name} can't be read by id: its config declares no detail request and it is not mirrored` });
      return;
    }
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data).toEqual(want);
    expect(res.body.source).toMatchObject({ vendor: vendor.name, mode, calls: mode === 'mirror' ? 0 : 1 });
    const missing = await h.get(`/conversations/${encodeURIComponent(`${vendor.name}:no-such-id`)}`);
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('NOT_FOUND');
    expect(missing.body.detail).toMatch(new RegExp(`^no conversation ${vendor.name}:no-such-id: `));
  });

  it('reads a vendor that orders for us only as deep as the page needs (a mirror not at all)', async () => {
    const res = await h.get('/conversations?limit=5&explain=true');
    const [plan] = res.body.plan;
    const [source] = res.body.sources;
    if (mode === 'mirror') {
      expect(plan.read).toBe('mirror');
      expect(source).toMatchObject({ mode: 'mirror', calls: 0, fetched: 0 });
      let next = res.body.nextCursor;
      for (let i = 0; i < 4; i++) next = (await h.get(`/conversations?cursor=${encodeURIComponent(next)}`)).body.nextCursor;
      const deep = await h.get(`/conversations?cursor=${encodeURIComponent(next)}`);
      expect(deep.body.sources[0]).toMatchObject({ mode: 'mirror', calls: 0 });
      expect(deep.body.offset).toBe(25);
    } else if (plan.read === 'lazy') {
      // A vendor with a page size of its own (no size parameter) answers that many, whatever is asked.
      const p = loadVendor(vendor.configFile).config.request.pagination;
      const perCall = Math.max(5 + 1, p.style === 'page' && !p.sizeParam && p.fixedPageSize ? p.fixedPageSize : 0);
      expect(source.fetched).toBeLessThan(data.length);
      expect(source.fetched).toBeLessThanOrEqual(2 * perCall + 12);
      // A deeper page by cursor costs about the same as the first.
      let next = res.body.nextCursor;
      for (let i = 0; i < 4; i++) next = (await h.get(`/conversations?cursor=${encodeURIComponent(next)}`)).body.nextCursor;
      const deep = await h.get(`/conversations?cursor=${encodeURIComponent(next)}`);
      expect(deep.body.sources[0].fetched).toBeLessThanOrEqual(2 * perCall + 12);
      expect(deep.body.offset).toBe(25);
    } else {
      expect(source.fetched).toBe(data.length);
    }
  });

  it('reports a vendor auth failure in the one error schema (a mirror keeps serving its copy)', async () => {
    h.sims.get(vendor.name)!.fault = { kind: 'auth' };
    try {
      const res = await h.get('/conversations');
      if (mode === 'mirror') {
        expect(res.status).toBe(200);
        expect(res.body.sources[0]).toMatchObject({ status: 'ok', mode: 'mirror', total: data.length });
        return;
      }
      expect(res.status).toBe(502);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', status: 502, errors: [{ vendor: vendor.name, code: 'UPSTREAM_AUTH_FAILED', upstreamStatus: expect.any(Number) }] });
    } finally {
      h.sims.get(vendor.name)!.fault = null;
      h.resetState();
    }
  });

  it('answers 429 with Retry-After when the vendor rate-limits (a mirror keeps serving its copy)', async () => {
    h.sims.get(vendor.name)!.fault = { kind: 'rateLimit', retryAfter: 17 };
    try {
      const res = await h.get('/conversations');
      if (mode === 'mirror') {
        expect(res.status).toBe(200);
        expect(res.body.sources[0]).toMatchObject({ status: 'ok', mode: 'mirror' });
        return;
      }
      expect(res.status).toBe(429);
      expect(res.headers['retry-after']).toBe('17');
      expect(res.body).toMatchObject({ code: 'RATE_LIMITED', errors: [{ vendor: vendor.name, code: 'RATE_LIMITED', retryAfter: 17, upstreamStatus: 429 }] });
    } finally {
      h.sims.get(vendor.name)!.fault = null;
      h.resetState();
    }
  });

  it('walks one snapshot exactly while the mirror changes between pages; a new walk sees the change', async () => {
    if (mode !== 'mirror') return;
    const sim = h.sims.get(vendor.name)!;
    const before = referenceList([refVendor()], { orderBy: 'createdAt', orderDir: 'desc' }).map((c) => c.id);
    let res = await h.get('/conversations?orderBy=createdAt&orderDir=desc&limit=10');
    const ids: string[] = res.body.data.map((c: { id: string }) => c.id);
    // Between pages: one conversation gone, one new, one changed so it would move across the cursor.
    const changed = structuredClone(data);
    const gone = changed.splice(20, 1)[0]!;
    changed[30]!.createdAt = changed[0]!.createdAt - 1000; // whole seconds: every vendor's format carries them
    changed[30]!.title = 'moved';
    changed.push({ ...structuredClone(changed[1]!), id: `${vendor.name}-new`, createdAt: Math.max(...changed.map((c) => c.createdAt)) + 1000 });
    sim.data = changed;
    try {
      await h.gateway.mirrors!.syncNow(vendor.name, 'full');
      for (;;) {
        expect(res.status).toBe(200);
        if (!res.body.nextCursor) break;
        res = await h.get(`/conversations?cursor=${encodeURIComponent(res.body.nextCursor)}`);
        ids.push(...res.body.data.map((c: { id: string }) => c.id));
        expect(res.body.total).toBe(data.length);
      }
      // Exactly the snapshot the walk began on: no duplicate, no gap.
      expect(ids).toEqual(before);
      // A full read that can't prove it saw everything (page numbers over a moving order, no total) removes
      // only what two reads in a row missed: the second one, for such a vendor; nothing more for the others.
      await h.gateway.mirrors!.syncNow(vendor.name, 'full');
      const fresh = await h.get('/conversations?orderBy=createdAt&orderDir=desc&limit=100');
      const now = referenceList([{ ...refVendor(), data: changed }], { orderBy: 'createdAt', orderDir: 'desc' });
      expect(fresh.body.data).toEqual(now);
      expect(fresh.body.total).toBe(changed.length);
      expect(fresh.body.data.map((c: { id: string }) => c.id)).not.toContain(`${vendor.name}:${gone.id}`);
    } finally {
      sim.data = data;
      await h.gateway.mirrors!.syncNow(vendor.name, 'full');
    }
  });
});
