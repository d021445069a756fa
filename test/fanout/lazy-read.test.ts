/** A vendor read lazily by offsets: a deep page's known pages go out together, a shallow one costs one call. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { siteassistSimulator } from '../../sim/siteassist.js';
import { SEED_VENDORS, startHarness, type Harness } from '../helpers/harness.js';
import { referenceList } from '../helpers/reference.js';

const data = siteassistSimulator.demoData(8, 1500);
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ vendors: SEED_VENDORS.filter((v) => v.name === 'siteassist'), data: { siteassist: data } });
});
afterAll(async () => h?.close());

describe('lazy reads', () => {
  it('fetches the pages a deep offset needs concurrently, and only those', async () => {
    const sim = h.sims.get('siteassist')!;
    sim.latencyMs = 30;
    sim.peakInFlight = 0;
    const res = await h.get('/conversations?offset=1000&limit=10');
    const ref = referenceList([{ name: 'siteassist', module: siteassistSimulator, data, vendorSearch: false }], {});
    expect(res.body.data).toEqual(ref.slice(1000, 1010));
    // 1012 items deep at 100 a page: 10 full pages and one of 12, at most 8 in flight at once.
    expect(res.body.sources[0]).toMatchObject({ calls: 11, fetched: 1012 });
    expect(sim.peakInFlight).toBe(8);
  });

  it('still makes one call for a shallow page', async () => {
    const sim = h.sims.get('siteassist')!;
    sim.calls.length = 0;
    const res = await h.get('/conversations?limit=10');
    expect(res.body.sources[0]).toMatchObject({ calls: 1, fetched: 12 });
    const next = await h.get(`/conversations?cursor=${encodeURIComponent(res.body.nextCursor)}`);
    expect(next.body.sources[0]).toMatchObject({ calls: 1, fetched: 12 });
  });
});
