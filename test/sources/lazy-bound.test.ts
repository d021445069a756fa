/**
 * A lazy read is bounded per request like a whole read: a filter checked here that matches nothing, or a
 * vendor whose items all tie on one instant, used to read the whole vendor (205 calls and 20,000 items for
 * one request; 117 calls for limit=3). Past `lazyRead` (items and calls beyond what the page's depth needs)
 * the vendor fails with UPSTREAM_TOO_LARGE, naming what had to be checked here and the mirror as the fix.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { siteassistSimulator } from '../../sim/siteassist.js';
import { cursorlySimulator } from '../dialects/cursorly.js';
import { DIALECT_VENDORS, SEED_VENDORS, startHarness, type Harness } from '../helpers/harness.js';

let h: Harness;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lazy-bound-'));
  // Cursorly with its own, smaller bound (vendor YAML over gateway.yaml's upstream.lazyRead).
  const cursorly = DIALECT_VENDORS.find((v) => v.name === 'cursorly')!;
  const file = join(dir, 'cursorly.yaml');
  await writeFile(file, `${await readFile(cursorly.configFile, 'utf8')}\nlazyRead: { maxItems: 150, maxCalls: 30 }\n`);
  h = await startHarness({
    vendors: [SEED_VENDORS.find((v) => v.name === 'siteassist')!, { ...cursorly, configFile: file }],
    data: { siteassist: siteassistSimulator.demoData(11, 3000), cursorly: cursorlySimulator.demoData(12, 1000) },
  });
});
afterEach(() => {
  for (const sim of h.sims.values()) sim.fault = null;
});
afterAll(async () => {
  await h?.close();
  await rm(dir, { recursive: true, force: true });
});

async function only(vendor: string, query: string) {
  const sim = h.sims.get(vendor)!;
  sim.calls.length = 0;
  const res = await h.get(`/conversations?vendor=${vendor}&${query}`);
  return { res, calls: sim.calls.length };
}

describe('lazy reads are bounded per request', () => {
  it('a filter checked here that matches nothing (search=zzzz, createdBefore=2000) stops at the bound (21 calls) with UPSTREAM_TOO_LARGE naming the filter', async () => {
    for (const [query, names] of [
      ['search=zzzz', 'search'],
      ['createdBefore=2000-01-01T00:00:00Z', 'createdBefore'],
      ['search=zzzz&createdBefore=2000-01-01T00:00:00Z', 'search, createdBefore'],
    ] as const) {
      const { res, calls } = await only('siteassist', query);
      expect(res.status, query).toBe(502);
      // One call the page's depth needs, then at most maxCalls (20) more.
      expect(calls, query).toBe(21);
      expect(res.body.errors[0]).toMatchObject({
        vendor: 'siteassist',
        code: 'UPSTREAM_TOO_LARGE',
        message: `siteassist: 1880 items in 21 calls did not fill the page: ${names} checked here (not by siteassist) matched too few. Over lazyRead (2000 items, 20 calls past the page's depth): narrow the query, or serve siteassist from a mirror (it answers such queries by index)`,
      });
    }
  });

  it('a vendor whose items all share one timestamp costs 21 calls for limit=3, not the whole vendor, and says the items tie', async () => {
    h.sims.get('siteassist')!.fault = { kind: 'sameTimestamp' };
    const { res, calls } = await only('siteassist', 'limit=3');
    expect(res.status).toBe(502);
    expect(calls).toBe(21);
    expect(res.body.errors[0]).toMatchObject({ code: 'UPSTREAM_TOO_LARGE', message: expect.stringMatching(/^siteassist: 1755 items in 21 calls did not fill the page: too many items tie on one lastActivityAt instant\. Over lazyRead/) });
  });

  it("a vendor's own lazyRead replaces the gateway's: items past the depth count as well as calls", async () => {
    const { res, calls } = await only('cursorly', 'channel=zzzz&limit=5');
    expect(res.status).toBe(502);
    // 7, 14, 28, 56, 100 a page: 205 items read, 198 past the depth, and the next call would go past 150.
    expect(res.body.errors[0].message).toMatch(/^cursorly: 205 items in 5 calls did not fill the page: channel checked here \(not by cursorly\) matched too few\. Over lazyRead \(150 items, 30 calls/);
    expect(calls).toBe(5);
  });

  it('fails only that vendor: the others still answer, and a page within the bound is answered as before', async () => {
    // Cursorly searches for us (nothing matches, no call past the first); SiteAssist can't.
    const res = await h.get('/conversations?search=zzzz&vendor=siteassist,cursorly&limit=3');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ partial: true, data: [] });
    expect(res.body.sources.map((s: { vendor: string; status: string }) => `${s.vendor} ${s.status}`)).toEqual(['cursorly ok', 'siteassist error']);
    const fine = await h.get('/conversations?vendor=siteassist,cursorly&limit=3&createdAfter=2000-01-01T00:00:00Z');
    expect(fine.status).toBe(200);
    expect(fine.body.partial).toBe(false);
    expect(fine.body.data).toHaveLength(3);
  });
});
