/** A vendor read whole by offsets: its pages go out together, and a remembered total lets all go at once. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uncodieSimulator } from '../../sim/uncodie.js';
import { SEED_VENDORS, startHarness, type Harness } from '../helpers/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ vendors: SEED_VENDORS.filter((v) => v.name === 'uncodie'), data: { uncodie: uncodieSimulator.demoData(3, 250) } });
});
afterAll(async () => h?.close());

describe('whole reads', () => {
  it('asks for every page at once once the total is known from an earlier request', async () => {
    const sim = h.sims.get('uncodie')!;
    sim.latencyMs = 40; // so concurrent calls overlap at the simulator
    const first = await h.get('/conversations?limit=5');
    expect(first.body.sources[0]).toMatchObject({ status: 'ok', total: 250, fetched: 250, calls: 3 });
    // First time: one page to learn the total, then the other two together.
    expect(sim.peakInFlight).toBe(2);

    sim.peakInFlight = 0;
    const second = await h.get('/conversations?limit=5');
    expect(second.body.sources[0]).toMatchObject({ status: 'ok', total: 250, fetched: 250, calls: 3 });
    expect(sim.peakInFlight).toBe(3);
    expect(second.body.data).toEqual(first.body.data);
  });

  it('still reads everything when the total grew since the hint', async () => {
    const sim = h.sims.get('uncodie')!;
    sim.data = uncodieSimulator.demoData(4, 420);
    const res = await h.get('/conversations?limit=5');
    expect(res.body.sources[0]).toMatchObject({ status: 'ok', total: 420, fetched: 420, calls: 5 });
    expect(res.body.total).toBe(420);
  });
});
