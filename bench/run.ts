/**
 * npm run bench [-- --quick] [--latency 20] [--slow 200] [--sizes siteassist=12000,uncodie=300,superagentes=300]
 *                 [--connections 20] [--depth-connections 4] [--profile] [--profile-path /conversations?...]
 *                 [--profile-out raw.cpuprofile] [--profile-mirrors] [--cpu-requests 300] [--cpu-warmup 2000]
 *
 * Starts the seed vendors' simulators here, the gateway, the floor and the naive aggregator as child
 * processes, and measures them side by side per scenario. The full run writes bench/results.json,
 * BENCHMARKS.md and bench/chart.svg, and a CPU profile of the gateway's first page (or --profile-path).
 * --quick (about 60 s) measures the hot path only: CPU per request against the floor on a single-vendor and
 * the three-vendor first page, overheadP50 and throughputVsFloor; it updates those figures in
 * bench/results.json and keeps the others of the last full run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import { renderChart } from './chart.js';
import { measure, probe, round, type LoadOptions, type Measurement } from './measure.js';
import { profileFirstPage, type ProfileOptions, type ProfileSummary } from './profile.js';
import { evaluateTargets, renderReport, type MirrorResults, type Scenario } from './report.js';
import { cpuPerRequest, STEADY_WARMUP, type CpuRow } from './cpu.js';
import { mirrorsServing, ROOT, startFloor, startGateway, startNaive, startProxy, stopAll, type System } from './systems.js';
import { recordedUpstreams, startVendors, type VendorSet } from './vendors.js';
import type { FloorUpstream } from './floor.js';
import { scratchDatabase, testPostgresUrl } from '../test/helpers/postgres.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    latency: { type: 'string', default: '20' },
    slow: { type: 'string', default: '200' },
    sizes: { type: 'string', default: 'siteassist=12000,uncodie=300,superagentes=300' },
    connections: { type: 'string', default: '20' },
    'depth-connections': { type: 'string', default: '4' },
    profile: { type: 'boolean' },
    'profile-path': { type: 'string' },
    // The profiled gateway runs with SQLite mirrors on, measured once they serve (as the mirrors-on row).
    'profile-mirrors': { type: 'boolean', default: false },
    'profile-out': { type: 'string' },
    'cpu-requests': { type: 'string', default: '300' },
    // Requests 8 at a time before the CPU figures (0: only the 30 sequential ones, as before 2026-12-01).
    'cpu-warmup': { type: 'string', default: String(STEADY_WARMUP.requests) },
  },
});
const quick = values.quick;
const latencyMs = Number(values.latency);
const slowMs = Number(values.slow);
const sizes = Object.fromEntries(values.sizes.split(',').map((p) => p.split('=')).map(([k, v]) => [k!, Number(v)]));
const C = Number(values.connections);
// Rows that cost a lot per request (deep pages, the naive aggregator) run with fewer connections: with 20,
// a 2-CPU machine would only measure the naive aggregator's queue.
const CD = Number(values['depth-connections']);
// Quick throughput rows last 3 s: at 1 s, repeated runs of the same code gave throughputVsFloor 0.27-1.39 on this shared machine.
const load: LoadOptions = quick ? { connections: C, durationS: 3, maxS: 6 } : { connections: C, durationS: 10, maxS: 30 };
const depth = { connections: CD };
const withProfile = values.profile ?? !quick;
const LIMIT = 10;
const DEPTHS = [0, 100, 1_000, 10_000];
const CURSOR_DEPTH = 10_000;
const CPU_REQUESTS = Number(values['cpu-requests']);
const CPU_WARMUP = Number(values['cpu-warmup']);
/** The single-vendor first page of the CPU figure: one lazily read vendor, one upstream call. */
const SINGLE = `/conversations?limit=${LIMIT}&vendor=siteassist`;
const started = performance.now();
const log = (msg: string) => console.error(`[bench ${((performance.now() - started) / 1000).toFixed(1)}s] ${msg}`);

const vendors = await startVendors({ configDir: join(ROOT, 'config'), latencyMs, sizes });
const systems: (System | undefined)[] = [];
const dirs: string[] = [];
try {
  await main(vendors);
} finally {
  await stopAll(systems);
  await vendors.close();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
}

async function main(v: VendorSet): Promise<void> {
  log(`simulators up (${v.names.map((n) => `${n} ${v.sims.get(n)!.data.length}`).join(', ')}, ${latencyMs} ms)`);
  const [gateway, cached, naive] = await Promise.all([
    startGateway({ vendorEnv: v.env, cacheTtlMs: 0 }),
    quick ? undefined : startGateway({ vendorEnv: v.env, cacheTtlMs: 5_000 }),
    quick ? undefined : startNaive(v.env),
  ]);
  systems.push(gateway, cached, naive);
  log(quick ? 'gateway up' : 'gateway, gateway (cache on) and naive up');

  // Single flight first, while the cached gateway has seen nothing.
  const singleFlight = cached ? await burst(cached, `/conversations?limit=${LIMIT}`, 50, v) : null;
  if (singleFlight) log(`single flight: ${JSON.stringify(singleFlight.maxPerRequest)} calls per identical upstream request`);

  // What the gateway's first page asks of each vendor: the floor replays exactly that.
  const first = `/conversations?limit=${LIMIT}`;
  const explain = (await (await request(`${gateway.url}${first}&explain=true`)).body.json()) as { plan: { vendor: string; read: string }[] };
  const lazy = explain.plan.filter((p) => p.read === 'lazy').map((p) => p.vendor);
  v.reset();
  await probe(gateway.url + first);
  const upstreams = recordedUpstreams(v);
  // The single-vendor page's one upstream call: the bare proxy replays it.
  v.reset();
  await probe(gateway.url + SINGLE);
  const single = recordedUpstreams(v);
  if (single.length !== 1) throw new Error(`${SINGLE} made ${single.length} upstream calls, not 1`);
  const [floor, proxy] = await Promise.all([startFloor(upstreams), startProxy(single[0]!)]);
  systems.push(floor, proxy);
  log(`floor up, replaying ${upstreams.length} upstream requests; proxy up, replaying ${single[0]!.path}`);

  // 0. CPU per request, sequential: the gateway's fixed cost over the floor's.
  const cpu = await cpuFigures(gateway, proxy, floor, first);
  log(`cpu: ${JSON.stringify(cpu)}`);

  const scenarios: Scenario[] = [];
  const run = async (s: Omit<Scenario, 'rows'>, jobs: [System, string, Partial<LoadOptions>?][]) => {
    const rows: Measurement[] = [];
    for (const [sys, path, o] of jobs) {
      rows.push(await measure(sys, path, v, { ...load, ...o }));
      const r = rows.at(-1)!;
      log(`${s.id}: ${sys.name} ${path.slice(0, 60)} p50 ${r.p50} ms, ${r.rps} req/s, ${r.upstreamPerResponse} calls & ${r.itemsPerResponse} items per response`);
    }
    scenarios.push({ ...s, rows });
    return rows;
  };

  // 1. First page: latency alone (one connection), then throughput.
  const direct = await vendorP50(upstreams, v, quick ? 15 : 200);
  const [gw1, floor1] = await run({ id: 'first-page-latency', title: 'First page, one connection (latency)' }, [
    [gateway, first, { connections: 1 }],
    [floor, first, { connections: 1 }],
  ]);
  const [gwN, floorN] = await run({ id: 'first-page', title: `First page, ${C} connections (throughput)` }, [
    [gateway, first],
    [floor, first],
    ...(cached ? [[cached, first] as [System, string]] : []),
  ]);
  const mirrorsOn = await mirroredFirstPage(v, first, direct.perVendor, proxy, run);
  const hotPath = {
    overheadP50: round(gw1!.p50 / direct.slowestP50),
    throughputVsFloor: round(gwN!.rps / floorN!.rps),
    cpuVsFloor: cpu.singleVendor.cpuVsFloor,
    cpu,
    gatewayP50FirstPageMs: gw1!.p50,
    slowestVendorP50Ms: direct.slowestP50,
    floorP50FirstPageMs: floor1!.p50,
    mirrorsOn,
  };
  // The profile's load runs 5 s even in a quick run, so a single-vendor page still gives a few thousand samples.
  if (quick) return writeQuick(hotPath, withProfile ? await profileFirstPage(v, values['profile-path'] ?? first, { ...load, durationS: 5, maxS: 10 }, await profileOptions(first)) : null);
  if (!cached || !naive || !singleFlight) throw new Error('unreachable: the full run starts every system');

  // 2. Page depth by offset, at fewer connections (0 included, so the series has one load level).
  const deep: Record<number, { gateway: Measurement; naive?: Measurement }> = {};
  for (const offset of DEPTHS) {
    const path = `/conversations?limit=${LIMIT}&offset=${offset}`;
    // The naive aggregator reads everything at every depth: the quick run measures it at 1,000 only.
    const withNaive = !quick || offset === 1_000;
    const [g, n] = await run({ id: `offset-${offset}`, title: offset === 0 ? 'Offset 0 (first page)' : `Offset ${offset.toLocaleString('en')}` }, [
      [gateway, path, depth],
      ...(withNaive ? [[naive, path, depth] as [System, string, Partial<LoadOptions>]] : []),
    ]);
    deep[offset] = { gateway: g!, ...(n ? { naive: n } : {}) };
  }

  // 3. A cursor walk to depth 10,000 (pages of 100), then the page there, measured.
  const walk = await cursorWalk(gateway, CURSOR_DEPTH, v);
  log(`cursor walk: ${walk.pages} pages in ${walk.seconds} s`);
  const [cursorRow] = await run({ id: 'cursor-10k', title: `Cursor page at depth ${CURSOR_DEPTH.toLocaleString('en')} (limit ${LIMIT})` }, [
    [gateway, `/conversations?cursor=${walk.cursor}&limit=${LIMIT}`, depth],
  ]);

  // 4. Filters: pushed down vs checked locally (SiteAssist alone: it pushes status, checks search here).
  await run(
    { id: 'filters', title: 'Filters on SiteAssist, limit 100: pushed down (status) vs checked locally (search)' },
    [
      [gateway, '/conversations?vendor=siteassist&status=closed&limit=100', depth],
      [gateway, '/conversations?vendor=siteassist&search=refund&limit=100', depth],
    ],
  );

  // 5. One vendor slow.
  const slowVendor = v.names.includes('superagentes') ? 'superagentes' : v.names[0]!;
  v.setLatency(slowMs, slowVendor);
  const [gwSlow] = await run({ id: 'slow-vendor', title: `First page, ${slowVendor} answering in ${slowMs} ms` }, [
    [gateway, first],
    [floor, first],
    ...(quick ? [] : [[naive, first, depth] as [System, string, Partial<LoadOptions>]]),
  ]);
  v.setLatency(latencyMs);

  // 6. Memory with 200 concurrent deep-page requests.
  const [rss] = await run({ id: 'rss-200', title: '200 concurrent deep-page requests (offset 1,000)' }, [
    [gateway, `/conversations?limit=${LIMIT}&offset=1000`, { connections: 200, durationS: quick ? 3 : 10 }],
  ]);

  const profile: ProfileSummary | null = withProfile ? await profileFirstPage(v, values['profile-path'] ?? first, load, await profileOptions(first)) : null;

  const pageSize = 100;
  const vendorCount = v.names.length;
  const lazyItems = (m: Measurement) => lazy.reduce((a, n) => a + (m.perVendor[n]?.items ?? 0), 0);
  const d1k = deep[1_000]!;
  const results = {
    generatedAt: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    machine: { cpus: availableParallelism(), node: process.version },
    setup: { latencyMs, slowMs, slowVendor, sizes, connections: C, depthConnections: CD, durationS: load.durationS, limit: LIMIT, lazyVendors: lazy, vendorPageSize: pageSize },
    overheadP50: hotPath.overheadP50,
    throughputVsFloor: hotPath.throughputVsFloor,
    cpuVsFloor: hotPath.cpuVsFloor,
    mirrorsOn: hotPath.mirrorsOn,
    cpu,
    deepPageSpeedupVsNaive: round(d1k.naive!.p50 / d1k.gateway.p50),
    deepPageUpstreamItems: d1k.gateway.itemsPerResponse,
    deepPageItemBound: 1_000 + LIMIT + vendorCount * pageSize,
    cursorPageUpstreamItemsAtDepth10k: cursorRow!.itemsPerResponse,
    cursorPageItemTarget: LIMIT + vendorCount * pageSize,
    rssMbUnderLoad: rss!.peak.rssMb,
    heapMbUnderLoad: rss!.peak.heapUsedMb,
    singleFlightUpstreamCalls: singleFlight.maxPerRequest,
    supplementary: {
      gatewayP50FirstPageMs: gw1!.p50,
      slowestVendorP50Ms: direct.slowestP50,
      vendorP50Ms: direct.perVendor,
      floorP50FirstPageMs: floor1!.p50,
      overheadP50VsFloor: round(gw1!.p50 / floor1!.p50),
      deepPageLazyVendorItems: lazyItems(d1k.gateway),
      deepPageLazyItemBound: 1_000 + LIMIT + lazy.length * pageSize,
      cursorPageLazyVendorItems: lazyItems(cursorRow!),
      cursorPageLazyItemTarget: LIMIT + lazy.length * pageSize,
      slowVendorGatewayP50Ms: gwSlow!.p50,
      singleFlight,
      cacheOnThroughputVsFloor: round(scenarios.find((s) => s.id === 'first-page')!.rows[2]!.rps / floorN!.rps),
      cursorWalk: { pages: walk.pages, seconds: walk.seconds, pageSize: walk.pageSize, itemsPerPage: walk.itemsPerPage },
    },
    scenarios,
    profile,
    // The figures of `npm run bench:mirrors` (bench/mirrors.ts) live in the same file: keep them, so the
    // report below still has its Mirrors section.
    ...previousMirrors(),
  };
  const targets = evaluateTargets(results);
  await writeFile(join(ROOT, 'bench/results.json'), JSON.stringify({ ...results, targets }, null, 2) + '\n');
  log('wrote bench/results.json');
  if (!quick) {
    await writeFile(join(ROOT, 'bench/chart.svg'), await renderChart(results));
    await writeFile(join(ROOT, 'BENCHMARKS.md'), renderReport(results));
    log('wrote BENCHMARKS.md and bench/chart.svg');
  }
  const { scenarios: _s, profile: _p, mirrors: _m, ...figures } = results;
  console.log(JSON.stringify({ ...figures, targets, profile: profile ? { byArea: profile.byArea, topOurs: profile.topOurs.slice(0, 10) } : null }, null, 2));
}

/**
 * CPU ms per request, sequential, for the gateway and its floor: on the single-vendor first page against the
 * bare proxy of its one upstream call, and on the three-vendor first page against the fan-out floor.
 */
async function cpuFigures(gateway: System, proxy: System, floor: System, first: string) {
  // The gateway and its floor run side by side (each its own sequential stream, each counting only its own
  // process's CPU), which halves the time this takes; the gateway's two pages run one after the other.
  // The three-vendor page runs the code the single-vendor one has already warmed: a quarter of its warm-up.
  const pair = async (path: string, floorSys: System, warmupRequests: number) => {
    const warmup = { ...STEADY_WARMUP, requests: warmupRequests };
    const [gw, fl]: CpuRow[] = await Promise.all([cpuPerRequest(gateway, path, CPU_REQUESTS, warmup), cpuPerRequest(floorSys, path, CPU_REQUESTS, warmup)]);
    return {
      path,
      requests: CPU_REQUESTS,
      warmupRequests,
      floor: floorSys.name,
      cpuMsPerRequest: { gateway: gw!.cpuMsPerRequest, floor: fl!.cpuMsPerRequest },
      meanMs: { gateway: gw!.meanMs, floor: fl!.meanMs },
      cpuVsFloor: round(gw!.cpuMsPerRequest / fl!.cpuMsPerRequest),
    };
  };
  return { singleVendor: await pair(SINGLE, proxy, CPU_WARMUP), threeVendor: await pair(first, floor, Math.round(CPU_WARMUP / 4)) };
}

/** --quick: the hot-path figures into bench/results.json, over the last full run's other figures. */
async function writeQuick(hotPath: Record<string, unknown> & { overheadP50: number; throughputVsFloor: number }, profile: ProfileSummary | null): Promise<void> {
  const file = join(ROOT, 'bench/results.json');
  let previous: Record<string, unknown> = {};
  try {
    previous = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  } catch {
    /* a broken file is replaced */
  }
  const merged = { ...previous, ...hotPath, hotPathGeneratedAt: new Date().toISOString(), hotPathMode: 'quick', ...(profile ? { hotPathProfile: profile } : {}) };
  const targets = 'deepPageItemBound' in previous ? evaluateTargets(merged as unknown as Parameters<typeof evaluateTargets>[0]) : null;
  await writeFile(file, JSON.stringify({ ...merged, ...(targets ? { targets } : {}) }, null, 2) + '\n');
  log('updated the hot-path figures in bench/results.json');
  console.log(JSON.stringify({ ...hotPath, ...(profile ? { profile: { byArea: profile.byArea, top: profile.top.slice(0, 12), topOurs: profile.topOurs.slice(0, 12) } } : {}) }, null, 2));
}

/** The `mirrors` key of the bench/results.json this run replaces, if it has one. */
function previousMirrors(): { mirrors?: MirrorResults } {
  const file = join(ROOT, 'bench/results.json');
  if (!existsSync(file)) return {};
  try {
    const mirrors = (JSON.parse(readFileSync(file, 'utf8')) as { mirrors?: MirrorResults }).mirrors;
    return mirrors ? { mirrors } : {};
  } catch {
    return {};
  }
}

/**
 * The issue's figures once mirrors serve the vendors that can't order for us: the same three-vendor first
 * page from a gateway with mirrors on (SQLite), its p50 over the slowest vendor still read live, and its
 * throughput against the bare proxy of the one live call the page then makes (the single-vendor page's).
 */
async function mirroredFirstPage(
  v: VendorSet,
  first: string,
  vendorP50s: Record<string, number>,
  proxy: System,
  run: (s: Omit<Scenario, 'rows'>, jobs: [System, string, Partial<LoadOptions>?][]) => Promise<Measurement[]>,
) {
  const dir = await mkdtemp(join(tmpdir(), 'bench-mirrors-'));
  dirs.push(dir);
  const gw = await startGateway({ vendorEnv: v.env, cacheTtlMs: 0, name: 'gateway (mirrors on)', env: mirrorsEnv(dir) });
  systems.push(gw);
  const live = await mirrorsServing(gw.url, first);
  log(`mirrors on: ${live.join(', ')} live, the others from their mirrors`);
  const [one, many, floor, floorOne] = await run({ id: 'first-page-mirrors', title: 'First page, mirrors on (the vendors read whole served from their copies)' }, [
    [gw, first, { connections: 1 }],
    [gw, first],
    [proxy, SINGLE],
    [proxy, SINGLE, { connections: 1 }],
  ]);
  await gw.stop();
  const slowestLive = Math.max(...live.map((n) => vendorP50s[n] ?? 0));
  return {
    liveVendors: live,
    overheadP50: round(one!.p50 / slowestLive),
    throughputVsFloor: round(many!.rps / floor!.rps),
    // The bare proxy's own p50 over the vendor's: what one more process on the path costs here, the least
    // overheadP50 can be on this machine.
    proxyOverheadP50: round(floorOne!.p50 / slowestLive),
    gatewayP50Ms: one!.p50,
    slowestLiveVendorP50Ms: slowestLive,
    postgres: await mirroredOnPostgres(v, first, slowestLive, run),
  };
}

/**
 * The same page with the mirrors in PostgreSQL (its store reads are network round trips, where SQLite's are
 * calls), when a server answers (MIRROR_STORE_TEST_URL, else 127.0.0.1:5432); null otherwise. A database of
 * its own, dropped after.
 */
async function mirroredOnPostgres(v: VendorSet, first: string, slowestLive: number, run: (s: Omit<Scenario, 'rows'>, jobs: [System, string, Partial<LoadOptions>?][]) => Promise<Measurement[]>) {
  const server = await testPostgresUrl();
  if (!server) return null;
  const db = await scratchDatabase(server);
  try {
    const gw = await startGateway({ vendorEnv: v.env, cacheTtlMs: 0, name: 'gateway (mirrors on, PostgreSQL)', env: { MIRRORS: 'on', MIRROR_STORE: db.url } });
    systems.push(gw);
    await mirrorsServing(gw.url, first);
    const [one] = await run({ id: 'first-page-mirrors-postgres', title: 'First page, mirrors on in PostgreSQL' }, [[gw, first, { connections: 1 }]]);
    await gw.stop();
    return { overheadP50: round(one!.p50 / slowestLive), gatewayP50Ms: one!.p50 };
  } finally {
    await db.drop();
  }
}

/** With mirrors on, the gateway (its env) and the wait until they serve, for --profile-mirrors. */
async function profileOptions(first: string): Promise<ProfileOptions> {
  const keep = values['profile-out'] ? { keep: values['profile-out'] } : {};
  if (!values['profile-mirrors']) return keep;
  const dir = await mkdtemp(join(tmpdir(), 'bench-mirrors-'));
  dirs.push(dir);
  return { ...keep, env: mirrorsEnv(dir), ready: (url) => mirrorsServing(url, first) };
}

function mirrorsEnv(dataDir: string): Record<string, string> {
  return { MIRRORS: 'on', MIRROR_STORE: 'sqlite', DATA_DIR: dataDir };
}

/** p50 of each of the first page's upstream calls made directly, one at a time; per vendor its slowest call's. */
async function vendorP50(upstreams: FloorUpstream[], v: VendorSet, rounds: number) {
  const nameOf = new Map([...v.sims].map(([name, sim]) => [sim.url, name]));
  const perVendor: Record<string, number> = {};
  for (const u of upstreams) {
    const times: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const t = performance.now();
      await (await request(u.origin + u.path, { headers: u.headers })).body.dump();
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const name = nameOf.get(u.origin) ?? u.origin;
    perVendor[name] = round(Math.max(perVendor[name] ?? 0, times[Math.floor(times.length / 2)]!), 1);
  }
  return { perVendor, slowestP50: Math.max(...Object.values(perVendor)) };
}

/** N identical requests at once; how often each distinct upstream request was made. */
async function burst(sys: System, path: string, n: number, v: VendorSet) {
  v.reset();
  const agent = new Agent({ connections: n });
  const statuses = await Promise.all(
    Array.from({ length: n }, async () => {
      const res = await request(sys.url + path, { dispatcher: agent });
      await res.body.dump();
      return res.statusCode;
    }),
  );
  await agent.close();
  const perVendor: Record<string, { calls: number; distinct: number; maxPerRequest: number }> = {};
  for (const [name, sim] of v.sims) {
    const counts = new Map<string, number>();
    for (const c of sim.calls) counts.set(`${c.path}?${c.query}`, (counts.get(`${c.path}?${c.query}`) ?? 0) + 1);
    perVendor[name] = { calls: sim.calls.length, distinct: counts.size, maxPerRequest: Math.max(0, ...counts.values()) };
  }
  return {
    requests: n,
    ok: statuses.filter((s) => s === 200).length,
    maxPerRequest: Math.max(...Object.values(perVendor).map((p) => p.maxPerRequest)),
    perVendor,
  };
}

/** Follows nextCursor with pages of 100 until `depth` items were returned; the cursor found there. */
async function cursorWalk(sys: System, depth: number, v: VendorSet) {
  const pageSize = 100;
  const t = performance.now();
  let path = `/conversations?limit=${pageSize}`;
  let seen = 0;
  let pages = 0;
  v.reset();
  const itemsPerPage: { depth: number; items: number; ms: number }[] = [];
  for (;;) {
    const before = Object.values(v.counters()).reduce((a, c) => a + c.items, 0);
    const s = await probe(sys.url + path);
    if (s.status !== 200 || !s.nextCursor) throw new Error(`cursor walk stopped at ${seen}: status ${s.status}`);
    itemsPerPage.push({ depth: seen, items: Object.values(v.counters()).reduce((a, c) => a + c.items, 0) - before, ms: round(s.ms, 1) });
    seen += pageSize;
    pages++;
    if (seen >= depth) return { cursor: encodeURIComponent(s.nextCursor), pages, seconds: round((performance.now() - t) / 1000, 1), pageSize, itemsPerPage };
    path = `/conversations?cursor=${encodeURIComponent(s.nextCursor)}`;
  }
}
