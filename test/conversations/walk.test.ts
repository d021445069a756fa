/**
 * Cursor walks across vendor failures: under onVendorError=fail a walk is exact or it errors; in the
 * default best-effort mode a walk that skipped a vendor's items says so on every later page. Real gateway,
 * real simulators, faults switched on for exactly one page.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SimulatorModule } from '../../sim/kit.js';
import { cursorlySimulator, dialectVendors } from '../dialects/index.js';
import { startHarness, type Harness } from '../helpers/harness.js';

type Page = { status: number; headers: Record<string, string>; body: any };

let h: Harness;
/** Every match of the walked query, in order, read by offset before any fault. */
let reference: string[];

beforeAll(async () => {
  h = await startHarness();
  reference = [];
  for (let offset = 0; ; offset += 100) {
    const p = await h.get(`/conversations?limit=100&offset=${offset}`);
    reference.push(...p.body.data.map((c: { id: string }) => c.id));
    if (!p.body.hasMore) break;
  }
});
afterAll(async () => h?.close());
beforeEach(() => {
  for (const s of h.sims.values()) s.fault = null;
  h.resetState();
});

/** Walks from `first`; before page `at` (1-based) `fault` is set, and cleared once that page answered. */
async function walk(first: string, at: number, fault: () => void): Promise<Page[]> {
  const pages: Page[] = [];
  let path: string | null = first;
  while (path) {
    if (pages.length + 1 === at) fault();
    const p: Page = await h.get(path);
    if (pages.length + 1 === at) for (const s of h.sims.values()) s.fault = null;
    pages.push(p);
    path = p.status === 200 && p.body.nextCursor ? `/conversations?cursor=${encodeURIComponent(p.body.nextCursor)}` : null;
  }
  return pages;
}

const ids = (pages: Page[]) => pages.flatMap((p) => (p.status === 200 ? p.body.data.map((c: { id: string }) => c.id) : []));

describe('cursor walks across vendor failures', () => {
  it('a vendor failing on one page no longer vanishes silently: every later page stays partial and names it in missed', async () => {
    const pages = await walk('/conversations?limit=50', 3, () => (h.sims.get('siteassist')!.fault = { kind: 'internal' }));
    expect(pages.every((p) => p.status === 200)).toBe(true);
    const [one, two, three, ...later] = pages.map((p) => p.body);
    expect([one.partial, two.partial]).toEqual([false, false]);
    expect(one.missed).toBeUndefined();
    expect(three.partial).toBe(true);
    expect(three.sources.find((s: { vendor: string }) => s.vendor === 'siteassist')).toMatchObject({ status: 'error', error: { code: 'UPSTREAM_ERROR' } });
    expect(three.missed).toEqual([{ vendor: 'siteassist', code: 'UPSTREAM_ERROR', since: 100, pages: 1 }]);
    expect(later.length).toBeGreaterThan(0);
    for (const p of later) {
      expect(p.partial).toBe(true);
      expect(p.missed).toEqual([{ vendor: 'siteassist', code: 'UPSTREAM_ERROR', since: 100, pages: 1 }]);
      expect(p.sources.every((s: { status: string }) => s.status === 'ok')).toBe(true);
    }
    // What the walk returned is the reference minus some SiteAssist items: in order, none twice.
    const got = ids(pages);
    expect(new Set(got).size).toBe(got.length);
    expect(got).toEqual(reference.filter((id) => got.includes(id)));
    const lost = reference.filter((id) => !got.includes(id));
    expect(lost.length).toBeGreaterThan(0);
    expect(lost.every((id) => id.startsWith('siteassist:'))).toBe(true);
  });

  it('onVendorError=fail: a vendor failing fails the page with its error, and the same cursor retried later continues exactly', async () => {
    const pages = await walk('/conversations?limit=50&onVendorError=fail', 3, () => (h.sims.get('siteassist')!.fault = { kind: 'internal' }));
    const failed = pages.at(-1)!;
    expect(pages).toHaveLength(3);
    expect(failed.status).toBe(502);
    expect(failed.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(failed.body.code).toBe('UPSTREAM_ERROR');
    expect(failed.body.detail).toMatch(/onVendorError=fail and a vendor failed: siteassist UPSTREAM_ERROR/);
    expect(failed.body.errors.map((e: { vendor: string }) => e.vendor)).toEqual(['siteassist']);
    // Retry the page that failed: the cursor is the one page 2 issued.
    const rest = await walk(`/conversations?cursor=${encodeURIComponent(pages[1]!.body.nextCursor)}`, 0, () => undefined);
    const all = [...pages.slice(0, 2), ...rest];
    expect(all.every((p) => p.status === 200 && p.body.partial === false && p.body.missed === undefined)).toBe(true);
    expect(ids(all)).toEqual(reference);
  });

  it('onVendorError=fail with a rate-limited vendor is a 429 with its Retry-After (the page needs that vendor back)', async () => {
    const pages = await walk('/conversations?limit=50&onVendorError=fail', 2, () => (h.sims.get('siteassist')!.fault = { kind: 'rateLimit', retryAfter: 7 }));
    const failed = pages.at(-1)!;
    expect(failed.status).toBe(429);
    expect(failed.body.code).toBe('RATE_LIMITED');
    expect(failed.headers['retry-after']).toBe('7');
    expect(failed.body.errors).toEqual([expect.objectContaining({ vendor: 'siteassist', code: 'RATE_LIMITED', retryAfter: 7 })]);
  });

  it('a cursor keeps the mode of its first page: onVendorError next to cursor is a 400 naming it', async () => {
    const first = await h.get('/conversations?limit=5&onVendorError=fail');
    const res = await h.get(`/conversations?cursor=${encodeURIComponent(first.body.nextCursor)}&onVendorError=partial`);
    expect(res.status).toBe(400);
    expect(res.body.invalidParams).toEqual([{ name: 'onVendorError', reason: expect.stringMatching(/cannot be combined with cursor/) }]);
    const bad = await h.get('/conversations?onVendorError=ignore');
    expect(bad.body.invalidParams).toEqual([{ name: 'onVendorError', reason: 'must be one of partial, fail' }]);
  });
});

describe('the kill switch and cursors', () => {
  const file = () => join(h.configDir, 'vendors', 'siteassist.yaml');

  it('a vendor disabled mid-walk is not called through cursors issued before, and is named as disabled', async () => {
    const original = await readFile(file(), 'utf8');
    try {
      const first = await h.get('/conversations?limit=20');
      await writeFile(file(), original.replace(/^name: siteassist$/m, 'name: siteassist\nenabled: false'));
      expect((await h.gateway.reload()).ok).toBe(true);
      const calls = h.sims.get('siteassist')!.calls.length;
      const next = await h.get(`/conversations?cursor=${encodeURIComponent(first.body.nextCursor)}`);
      expect(next.status).toBe(200);
      expect(h.sims.get('siteassist')!.calls.length).toBe(calls);
      expect(next.body.partial).toBe(true);
      expect(next.body.data.some((c: { vendor: string }) => c.vendor === 'siteassist')).toBe(false);
      expect(next.body.sources.find((s: { vendor: string }) => s.vendor === 'siteassist')).toMatchObject({
        status: 'error',
        calls: 0,
        error: { code: 'UPSTREAM_UNAVAILABLE', message: 'vendor siteassist is disabled by the operator; its items are not served' },
      });
      expect(next.body.missed).toEqual([{ vendor: 'siteassist', code: 'UPSTREAM_UNAVAILABLE', since: 20, pages: 1 }]);
      const fresh = await h.get('/conversations?vendor=siteassist');
      expect(fresh.status).toBe(400);
      expect(fresh.body.invalidParams).toEqual([{ name: 'vendor', reason: 'disabled by the operator: siteassist' }]);
    } finally {
      await writeFile(file(), original);
      expect((await h.gateway.reload()).ok).toBe(true);
    }
  });

  it('under onVendorError=fail a cursor naming a disabled vendor fails with 503, and continues exactly once it is back', async () => {
    const original = await readFile(file(), 'utf8');
    const first = await h.get('/conversations?limit=50&onVendorError=fail');
    try {
      await writeFile(file(), original.replace(/^name: siteassist$/m, 'name: siteassist\nenabled: false'));
      expect((await h.gateway.reload()).ok).toBe(true);
      const refused = await h.get(`/conversations?cursor=${encodeURIComponent(first.body.nextCursor)}`);
      expect(refused.status).toBe(503);
      expect(refused.body.errors).toEqual([expect.objectContaining({ vendor: 'siteassist', code: 'UPSTREAM_UNAVAILABLE', message: expect.stringMatching(/disabled/) })]);
    } finally {
      await writeFile(file(), original);
      expect((await h.gateway.reload()).ok).toBe(true);
    }
    const rest = await walk(`/conversations?cursor=${encodeURIComponent(first.body.nextCursor)}`, 0, () => undefined);
    expect([...first.body.data.map((c: { id: string }) => c.id), ...ids(rest)]).toEqual(reference);
  });
});

describe('vendor cursors too long to carry', () => {
  let c: Harness;
  /** Cursorly, whose next-page cursors grow a padding of `pad` dots (stripped when it is sent back; dots need no percent-encoding). */
  let pad = 0;
  const padded: SimulatorModule = {
    ...cursorlySimulator,
    behaviour(creds) {
      const inner = cursorlySimulator.behaviour(creds);
      return {
        ...inner,
        handle(req, data) {
          const after = req.query.get('starting_after');
          if (after) req.query.set('starting_after', after.replace(/\.+$/, ''));
          const res = inner.handle(req, data);
          const body = res.body as { next_cursor?: string | null };
          if (body?.next_cursor) body.next_cursor += '.'.repeat(pad);
          return res;
        },
      };
    },
  };
  beforeAll(async () => {
    c = await startHarness({
      vendors: [
        { name: 'cursorly', module: padded, configFile: dialectVendors.cursorly.configFile },
        { name: 'pagebox', module: dialectVendors.pagebox.module, configFile: dialectVendors.pagebox.configFile },
      ],
    });
  });
  afterAll(async () => c?.close());

  /** Follows cursors (limit 5) until a page fails Cursorly or the walk ends; every page must answer. */
  async function untilTooLong(first: string): Promise<{ pages: Page[]; failed?: Page }> {
    const pages: Page[] = [];
    let path: string | null = first;
    while (path && pages.length < 40) {
      const p: Page = await c.get(path);
      pages.push(p);
      if (p.status !== 200 || p.body.sources.some((s: { status: string }) => s.status === 'error')) return { pages, failed: p };
      expect(p.body.nextCursor === null || p.body.nextCursor.length <= 8192).toBe(true);
      path = p.body.nextCursor ? `/conversations?cursor=${encodeURIComponent(p.body.nextCursor)}` : null;
    }
    return { pages };
  }

  it('a vendor cursor too long to carry fails that vendor clearly instead of yielding a nextCursor the next request refuses', async () => {
    pad = 6500;
    // Once the walk leaves Cursorly's first page, its tokens are too long to carry.
    const { pages, failed } = await untilTooLong('/conversations?limit=5&orderBy=createdAt');
    expect(failed?.status).toBe(200);
    const two = failed!.body;
    expect(two.partial).toBe(true);
    expect(two.sources.find((s: { vendor: string }) => s.vendor === 'cursorly')).toMatchObject({
      status: 'error',
      error: { code: 'UPSTREAM_INVALID_RESPONSE', message: expect.stringMatching(/next-page token is 6\d{3} characters, too long for a cursor of at most 8192/) },
    });
    expect(two.data.every((x: { vendor: string }) => x.vendor === 'pagebox')).toBe(true);
    expect(two.missed).toEqual([{ vendor: 'cursorly', code: 'UPSTREAM_INVALID_RESPONSE', since: two.offset, pages: 1 }]);
    expect(two.nextCursor.length).toBeLessThanOrEqual(8192);
    expect((await c.get(`/conversations?cursor=${encodeURIComponent(two.nextCursor)}`)).status).toBe(200);
    expect(pages.length).toBeGreaterThan(1);
    // Alone, Cursorly can't go on at all: the page is its failure, not a cursor to refuse later.
    const alone = await untilTooLong('/conversations?limit=5&orderBy=createdAt&vendor=cursorly');
    expect(alone.failed?.status).toBe(502);
    expect(alone.failed?.body.errors).toEqual([expect.objectContaining({ vendor: 'cursorly', code: 'UPSTREAM_INVALID_RESPONSE' })]);
    // A long token that fits is carried.
    pad = 2000;
    const fits = await untilTooLong('/conversations?limit=5&orderBy=createdAt&vendor=cursorly');
    expect(fits.failed).toBeUndefined();
    expect(Math.max(...fits.pages.map((p) => p.body.nextCursor?.length ?? 0))).toBeGreaterThan(2000);
  });
});
