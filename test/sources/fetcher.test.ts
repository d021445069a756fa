/** What a vendor's report counts as calls: pages the vendor was asked for, not calls our own guards refused. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SEED_VENDORS, startHarness, type Harness } from '../helpers/harness.js';

let h: Harness;
beforeAll(async () => {
  const vendors = SEED_VENDORS.filter((v) => v.name !== 'superagentes');
  h = await startHarness({ vendors, data: { uncodie: SEED_VENDORS.find((v) => v.name === 'uncodie')!.module.demoData(1, 40) }, env: { UNCODIE_RATE_PER_MINUTE: '1', UNCODIE_RATE_BURST: '1' } });
});
afterAll(async () => h?.close());

it('a call refused by the outbound budget is no call: the vendor was never asked', async () => {
  const first = await h.get('/conversations?limit=3');
  expect(first.body.sources.find((s: { vendor: string }) => s.vendor === 'uncodie')).toMatchObject({ status: 'ok', calls: 1 });
  const sim = h.sims.get('uncodie')!;
  const before = sim.calls.length;
  const second = await h.get('/conversations?limit=3');
  expect(second.body.partial).toBe(true);
  expect(second.body.sources.find((s: { vendor: string }) => s.vendor === 'uncodie')).toMatchObject({ status: 'error', calls: 0, error: { code: 'RATE_LIMITED' } });
  expect(sim.calls.length).toBe(before);
});
