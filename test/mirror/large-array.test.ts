/**
 * A vendor that answers with every conversation in one bare array, 50 MB of it: the sync parses it as it
 * streams and writes it in batches, so the heap grows by a bounded amount, far below the body's size.
 */
import { getHeapSpaceStatistics } from 'node:v8';
import { request } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { credentialsOf } from '../../sim/kit.js';
import { SEED_VENDORS } from '../helpers/harness.js';
import { simulatorProcess } from '../helpers/sim-process.js';
import { mirrorRig, type Rig } from './rig.js';

const COUNT = 64_000;
const gc = (globalThis as { gc?: () => void }).gc;
/**
 * What the heap holds beyond the young generation: what survived a scavenge (old space) and large objects
 * (a body read whole would be one). Young garbage comes and goes with every scavenge; it says nothing of
 * what the sync keeps.
 */
const retained = () => getHeapSpaceStatistics().filter((s) => s.space_name !== 'new_space').reduce((a, s) => a + s.space_used_size, 0);

let sim: Awaited<ReturnType<typeof simulatorProcess>>;
let rig: Rig;
beforeAll(async () => {
  const vut = SEED_VENDORS.find((v) => v.name === 'superagentes')!;
  // The rig's own simulator stays empty; the large one runs in a process of its own (its heap is not ours).
  rig = await mirrorRig(vut, [], {});
  sim = await simulatorProcess('superagentes', COUNT, 11, credentialsOf(rig.config));
  await rig.close();
  rig = await mirrorRig(vut, [], { url: sim.url });
}, 60_000);
afterAll(async () => {
  await rig?.close();
  await sim?.stop();
});

it('syncs a 50 MB bare array with bounded heap growth', async () => {
  expect(gc, 'run with --expose-gc (vitest.config.ts execArgv)').toBeTypeOf('function');
  // The body's size, counted without holding it.
  const res = await request(`${sim.url}/api/user-conversations?fullConversation=true`, { headers: { authorization: `Bearer ${credentialsOf(rig.config).bearer}` } });
  let bytes = 0;
  for await (const chunk of res.body) bytes += (chunk as Buffer).length;
  expect(bytes).toBeGreaterThan(50 * 1024 * 1024);

  gc!();
  const base = retained();
  let peak = base;
  // What the sync keeps alive, sampled while it runs: a full collection first, so garbage that a busy
  // machine has not yet collected (promoted young garbage) is not counted as held. Without it the reading
  // depends on when V8 chose to collect, and the shared CI cores make that late.
  const sample = setInterval(() => {
    gc!();
    peak = Math.max(peak, retained());
  }, 200);
  const report = await rig.full();
  clearInterval(sample);
  gc!();
  peak = Math.max(peak, retained());
  expect(report).toMatchObject({ kind: 'full', calls: 1, items: COUNT, error: null });
  expect((await rig.meta()).rows).toBe(COUNT);
  const growthMb = (peak - base) / 1024 / 1024;
  console.log(`[large-array] body ${(bytes / 1024 / 1024).toFixed(1)} MB, live heap growth at peak ${growthMb.toFixed(1)} MB`);
  // Read whole, the body alone (one string) would be 50 MB, and the parsed array several times that.
  expect(growthMb).toBeLessThan(25);
}, 120_000);
