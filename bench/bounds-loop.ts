/**
 * A dev loop for throughput against the concurrency bounds (not part of `npm run bench`):
 * tsx bench/bounds-loop.ts [rounds=3] [bounds=16/16,64/16,16/64,64/64]. Each `maxConcurrent/connections`
 * pair is a gateway with mirrors on (SQLite, its own DATA_DIR); each round measures the bare proxy of the
 * page's one live call, then every gateway, at 20 connections for 3 s (--connections N to change it). Prints
 * req/s, p50, the ratio to the proxy's req/s, and each process's CPU per request over the row (all its
 * threads, read over IPC), so a bound that caps throughput shows as idle CPU. `http.maxHeavy` stays at its
 * default (16): this page's requests are light (a first page, two vendors from their mirrors), so it never
 * binds here; 16/16 is the defaults before it existed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { measure, probe, round } from './measure.js';
import { mirrorsServing, ROOT, startGateway, startProxy, stopAll, type System } from './systems.js';
import { recordedUpstreams, startVendors } from './vendors.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { connections: { type: 'string', default: '20' } } });
const rounds = Number(positionals[0] ?? 3);
const bounds = (positionals[1] ?? '16/16,64/16,16/64,64/64').split(',').map((b) => b.split('/') as [string, string]);
const connections = Number(values.connections);
const FIRST = '/conversations?limit=10';
const SINGLE = '/conversations?limit=10&vendor=siteassist';
const v = await startVendors({ configDir: join(ROOT, 'config'), latencyMs: 20, sizes: { siteassist: 12000, uncodie: 300, superagentes: 300 } });
const systems: System[] = [];
const dirs: string[] = [];
try {
  const gateways: System[] = [];
  for (const [maxConcurrent, upstreamConnections] of bounds) {
    const dir = await mkdtemp(join(tmpdir(), 'bench-bounds-'));
    dirs.push(dir);
    const env = { MIRRORS: 'on', MIRROR_STORE: 'sqlite', DATA_DIR: dir, MAX_CONCURRENT: maxConcurrent, UPSTREAM_CONNECTIONS: upstreamConnections };
    const gw = await startGateway({ vendorEnv: v.env, cacheTtlMs: 0, name: `${maxConcurrent}/${upstreamConnections}`, env });
    systems.push(gw);
    gateways.push(gw);
    await mirrorsServing(gw.url, FIRST);
  }
  v.reset();
  await probe(gateways[0]!.url + SINGLE);
  const proxy = await startProxy(recordedUpstreams(v)[0]!);
  systems.push(proxy);
  const row = async (sys: System, path: string) => {
    const before = await sys.cpu();
    const m = await measure(sys, path, v, { connections, durationS: 3, maxS: 6 });
    const after = await sys.cpu();
    const cpuMs = (after.user + after.system - before.user - before.system) / 1000;
    return { m, cpuPerRequest: round(cpuMs / m.responses, 2), busyPct: Math.round((100 * cpuMs) / 1000 / m.durationS) };
  };
  for (let r = 0; r < rounds; r++) {
    const p = await row(proxy, SINGLE);
    const line = [`proxy ${p.m.rps} req/s, p50 ${p.m.p50} ms, ${p.cpuPerRequest} ms CPU/req (${p.busyPct} % of a core)`];
    for (const gw of gateways) {
      const g = await row(gw, FIRST);
      line.push(`${gw.name}: ${g.m.rps} req/s (${round(g.m.rps / p.m.rps)}), p50 ${g.m.p50} ms, ${g.cpuPerRequest} ms CPU/req (${g.busyPct} %)`);
    }
    console.log(`round ${r + 1}: ${line.join(' | ')}`);
  }
} finally {
  await stopAll(systems);
  await v.close();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
}
