/**
 * One bad item never fails a page: an item nested thousands of levels deep (which JSON.stringify can't
 * write back: the response, its ETag, a mirror's copy) or with a timestamp past the Date range is dropped
 * and counted in `dropped`, and the rest of the page is served.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cursorlySimulator } from '../dialects/cursorly.js';
import { SEED_VENDORS, startHarness, type Harness, type VendorUnderTest } from '../helpers/harness.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bad-items-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

/** Cursorly with `time: auto` on every timestamp (as a vendor whose format is unknown would be configured). */
async function cursorlyAuto(): Promise<VendorUnderTest> {
  const yaml = await readFile(fileURLToPath(new URL('../dialects/cursorly.yaml', import.meta.url)), 'utf8');
  const file = join(dir, 'cursorly.yaml');
  await writeFile(file, yaml.replaceAll('time: unixMs', 'time: auto'));
  return { name: 'cursorly', module: cursorlySimulator, configFile: file };
}

describe('live reads', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ vendors: [...SEED_VENDORS.filter((v) => v.name === 'siteassist'), await cursorlyAuto()] });
  });
  afterEach(() => {
    for (const sim of h.sims.values()) sim.fault = null;
  });
  afterAll(async () => h?.close());

  it('an item nested 10,000 levels deep, with include=raw, is dropped and counted instead of making the page a 500', async () => {
    h.sims.get('siteassist')!.fault = { kind: 'deepNesting' };
    for (const query of ['include=raw&limit=5', 'limit=5']) {
      const res = await h.get(`/conversations?vendor=siteassist,cursorly&${query}`);
      expect(res.status, query).toBe(200);
      expect(res.headers.etag).toMatch(/^W\//);
      expect(res.body.partial).toBe(false);
      expect(res.body.sources.find((s: { vendor: string }) => s.vendor === 'siteassist')).toMatchObject({ status: 'ok', dropped: 1 });
      expect(res.body.data).toHaveLength(5);
      if (query.includes('raw')) expect(res.body.data.every((c: { raw?: unknown }) => typeof c.raw === 'object')).toBe(true);
    }
  });

  it('a numeric timestamp above the Date range (time: auto) drops that item instead of making the page a 500', async () => {
    h.sims.get('cursorly')!.fault = { kind: 'hugeTimestamp' };
    const res = await h.get('/conversations?vendor=siteassist,cursorly&limit=5&include=raw');
    expect(res.status).toBe(200);
    expect(res.body.partial).toBe(false);
    expect(res.body.sources.find((s: { vendor: string }) => s.vendor === 'cursorly')).toMatchObject({ status: 'ok', dropped: 1 });
    for (const c of res.body.data) expect(Number.isNaN(Date.parse(c.lastActivityAt))).toBe(false);
  });
});

describe('mirrors', () => {
  it("an item nested 10,000 levels deep is left out of a vendor's mirror; the sync completes with the rest", async () => {
    const h = await startHarness({ vendors: SEED_VENDORS.filter((v) => v.name === 'superagentes'), mirrors: {}, faults: { superagentes: { kind: 'deepNesting' } } });
    try {
      await h.mirrorsReady();
      const res = await h.get('/conversations?vendor=superagentes&limit=3');
      expect(res.status).toBe(200);
      expect(res.body.sources[0]).toMatchObject({ status: 'ok', mode: 'mirror', total: h.sims.get('superagentes')!.data.length - 1 });
    } finally {
      await h.close();
    }
  });
});
