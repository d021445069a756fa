/**
 * `upstream.connections` (UPSTREAM_CONNECTIONS) bounds the calls in flight to one vendor: the requests
 * past it wait for a connection. Counted where the calls land, on a slow simulator.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SEED_VENDORS, startHarness, type Harness } from '../helpers/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function peakOf(connections: string): Promise<{ peak: number; sockets: number; statuses: number[] }> {
  h = await startHarness({ vendors: SEED_VENDORS.filter((v) => v.name === 'siteassist'), env: { UPSTREAM_CONNECTIONS: connections } });
  const sim = h.sims.get('siteassist')!;
  sim.latencyMs = 60;
  sim.peakInFlight = 0;
  // Six first pages at once, each one call: more than the smaller bound, within the guard's 16.
  const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => h!.get(`/conversations?limit=${i + 1}`)));
  return { peak: sim.peakInFlight, sockets: sim.connections, statuses: answers.map((a) => a.status) };
}

describe('connections per vendor', () => {
  it('UPSTREAM_CONNECTIONS=2: two calls at a time reach the vendor, over two connections, and every request is answered', async () => {
    const r = await peakOf('2');
    expect(r.statuses).toEqual([200, 200, 200, 200, 200, 200]);
    expect(r.peak).toBe(2);
    expect(r.sockets).toBeLessThanOrEqual(2);
  });

  it('UPSTREAM_CONNECTIONS=8: all six at once', async () => {
    const r = await peakOf('8');
    expect(r.statuses).toEqual([200, 200, 200, 200, 200, 200]);
    expect(r.peak).toBe(6);
  });
});
