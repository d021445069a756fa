/**
 * A vendor read whole by offsets: its pages go out together, and a remembered total lets all go at once.
 * A request's many calls at once are not a leak of listeners on its signal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { siteassistSimulator } from '../../sim/siteassist.js';
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

describe('many calls of one request at once', () => {
  let two: Harness;
  beforeAll(async () => {
    two = await startHarness({
      vendors: SEED_VENDORS.filter((v) => v.name === 'uncodie' || v.name === 'siteassist'),
      data: { uncodie: uncodieSimulator.demoData(5, 1500), siteassist: siteassistSimulator.demoData(5, 1500) },
    });
  });
  afterAll(async () => two?.close());

  it('16 calls in flight on one request signal (8 pages of a whole read, 8 of a deep lazy one): every page read, no MaxListenersExceededWarning (stderr, outside the log)', async () => {
    const sims = ['uncodie', 'siteassist'].map((n) => two.sims.get(n)!);
    for (const s of sims) s.latencyMs = 40;
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      await two.get('/conversations?limit=5'); // Uncodie's total, so its pages all go out next time
      for (const s of sims) s.peakInFlight = 0;
      const res = await two.get('/conversations?limit=10&offset=1000');
      expect(res.status).toBe(200);
      expect(res.body.data).toHaveLength(10);
      expect(res.body.sources.map((s: { vendor: string; status: string }) => [s.vendor, s.status])).toEqual([['siteassist', 'ok'], ['uncodie', 'ok']]);
      expect(sims.map((s) => s.peakInFlight)).toEqual([8, 8]);
      // Warnings are emitted on a later tick.
      await new Promise((r) => setImmediate(r));
      expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });
});
