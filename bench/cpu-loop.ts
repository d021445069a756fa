/**
 * A dev loop for the hot path (not part of `npm run bench`): the single-vendor CPU figure only, repeated.
 * tsx bench/cpu-loop.ts [rounds=3] [requests=300] [baseline-server.ts]. Prints each round's gateway ÷ proxy
 * and the median; with a baseline entry point (another checkout's src/server.ts), that gateway runs beside
 * this one, so B ÷ A compares two versions under the same load.
 */
import { join } from 'node:path';
import { cpuPerRequest } from './cpu.js';
import { probe, round } from './measure.js';
import { ROOT, startGateway, startProxy, stopAll, type System } from './systems.js';
import { recordedUpstreams, startVendors } from './vendors.js';

const rounds = Number(process.argv[2] ?? 3);
const requests = Number(process.argv[3] ?? 300);
const baseline = process.argv[4];
const SINGLE = process.env.CPU_PATH ?? '/conversations?limit=10&vendor=siteassist';
const v = await startVendors({ configDir: join(ROOT, 'config'), latencyMs: 20, sizes: { siteassist: 12000, uncodie: 300, superagentes: 300 } });
const systems: System[] = [];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
try {
  const env = JSON.parse(process.env.GW_ENV ?? '{}') as Record<string, string>;
  const gw = await startGateway({ vendorEnv: v.env, cacheTtlMs: 0, env, name: 'B', ...(process.env.PROF_DIR ? { cpuProfDir: process.env.PROF_DIR } : {}) });
  systems.push(gw);
  const base = baseline ? await startGateway({ vendorEnv: v.env, cacheTtlMs: 0, env, name: 'A', script: baseline }) : undefined;
  if (base) systems.push(base);
  v.reset();
  await probe(gw.url + SINGLE);
  const proxy = await startProxy(recordedUpstreams(v)[0]!);
  systems.push(proxy);
  const ratios: number[] = [];
  const vsBase: number[] = [];
  // A long warm-up round first, not counted: the JIT's work on the gateway's larger code is not a per-request cost.
  await Promise.all([cpuPerRequest(proxy, SINGLE, requests), cpuPerRequest(gw, SINGLE, requests), ...(base ? [cpuPerRequest(base, SINGLE, requests)] : [])]);
  for (let r = 0; r < rounds; r++) {
    const w = { requests: 0, connections: 1 };
    const [p, g, a] = await Promise.all([cpuPerRequest(proxy, SINGLE, requests, w), cpuPerRequest(gw, SINGLE, requests, w), ...(base ? [cpuPerRequest(base, SINGLE, requests, w)] : [])]);
    ratios.push(round(g!.cpuMsPerRequest / p!.cpuMsPerRequest));
    if (a) vsBase.push(round(g!.cpuMsPerRequest / a.cpuMsPerRequest));
    console.log(`round ${r + 1}: B ${g!.cpuMsPerRequest} ms${a ? `, A ${a.cpuMsPerRequest} ms (${round(a.cpuMsPerRequest / p!.cpuMsPerRequest)}× proxy)` : ''}, proxy ${p!.cpuMsPerRequest} ms: B ÷ proxy ${ratios.at(-1)}${a ? `, B ÷ A ${vsBase.at(-1)}` : ''}`);
  }
  console.log(`median B ÷ proxy ${median(ratios)}${base ? `, B ÷ A ${median(vsBase)}` : ''}`);
} finally {
  await stopAll(systems);
  await v.close();
}
