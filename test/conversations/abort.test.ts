/** A caller who goes away takes its vendor calls with it: nothing keeps waiting on a hanging vendor. */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { eventually } from '../helpers/wait.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { UPSTREAM_TIMEOUT_MS: '20000' } });
});
afterAll(async () => h?.close());

describe('caller disconnect', () => {
  it('aborts the upstream call to a hanging vendor long before its deadline', async () => {
    const sim = h.sims.get('uncodie')!;
    sim.fault = { kind: 'hang' };
    const ac = new AbortController();
    const pending = request(`${h.url}/conversations?vendor=uncodie`, { signal: ac.signal }).catch((e: Error) => e);
    expect(await eventually(() => sim.calls.length > 0, 2_000)).toBe(true);
    const hangups = sim.hangups;
    ac.abort();
    expect(await pending).toBeInstanceOf(Error);
    // The gateway hangs up on the vendor well within the 20 s deadline.
    expect(await eventually(() => sim.hangups > hangups, 2_000)).toBe(true);
    sim.fault = null;
  });
});
