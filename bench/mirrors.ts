/**
 * npm run bench:mirrors [-- --quick] [--size 20000] [--big 100000] [--latency 20]
 *
 * The gateway with mirrors off and with mirrors on, side by side, over the three seed vendors' simulators
 * (20,000 conversations each; --quick: 3,000, and a 30,000-row big mirror instead of 100,000), every
 * simulator answering after the same added latency and Uncodie at its real budget (20 calls a minute,
 * burst 20). Phases, in this order:
 *
 *   W      a gateway that warms Uncodie's mirror by itself at 20/min (its own DATA_DIR), started first and
 *          read at the end: how long the first full read takes at the real budget.
 *   off    MIRRORS=off: the request mix, first-page latency and throughput, memory under 200 pages.
 *   fill   the operator's backfill: `switchboard mirror sync <vendor> --full` for Uncodie and
 *          Superagentes with Uncodie's budget lifted, against the same simulators and DATA_DIR.
 *   on     MIRRORS=on over that DATA_DIR at the real budget: the same request mix, upstream calls per
 *          request (sources[] and the simulators' logs without the sync's own calls), first page against
 *          the floor, a page at cursor depth 15,000 against the first page, memory under 200 pages.
 *   fresh  MIRRORS=on with *_MIRROR_EVERY=5s and SUPERAGENTES_MIRROR_RECONCILE=20s: time from a vendor-side
 *          insert (and, for Superagentes, an update) to its appearance in the gateway's pages.
 *   big    a Superagentes simulator with 100,000 conversations mirrored straight through the sync:
 *          how long that took, and the depth ratio over it.
 *
 * Writes the figures under `mirrors` in bench/results.json (the rest of the file is kept); the full run
 * also writes the Mirrors section of BENCHMARKS.md (rendered by bench/report.ts). Prints the figures as JSON.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { request } from 'undici';
import { loadConfig } from '../src/config/load.js';
import { credentialsOf, startSimulator, type Simulator, type VendorBehaviour } from '../sim/kit.js';
import { simulators } from '../sim/index.js';
import type { CanonicalConversation } from '../sim/canonical.js';
import { measure, round, type LoadOptions, type Measurement } from './measure.js';
import {
  evaluateMirrorTargets,
  renderMirrors,
  spliceMirrors,
  type BigSync,
  type DepthFigure,
  type MirrorResults,
  type MixResult,
  type PassRecord,
  type SyncMetrics,
} from './report.js';
import { ROOT, startFloor, startGateway, stopAll, type Memory, type System } from './systems.js';
import { recordedUpstreams, startVendors, VENDOR_ENV, type VendorSet } from './vendors.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    size: { type: 'string' },
    big: { type: 'string' },
    latency: { type: 'string', default: '20' },
    connections: { type: 'string', default: '20' },
    'depth-connections': { type: 'string', default: '1' },
  },
});
const quick = values.quick;
const SIZE = Number(values.size ?? (quick ? 3_000 : 20_000));
const BIG = Number(values.big ?? (quick ? 30_000 : 100_000));
const latencyMs = Number(values.latency);
const C = Number(values.connections);
const CD = Number(values['depth-connections']);
const load: LoadOptions = quick ? { connections: C, durationS: 2, maxS: 6 } : { connections: C, durationS: 10, maxS: 30 };
/**
 * The depth ratios are latency ratios of pages costing a few ms: one connection (as the live bench's
 * overheadP50), short rows alternating between the depths, each depth measured DEPTH_ROUNDS times.
 */
const DEPTH_ROUNDS = quick ? 2 : 4;
const depthLoad: LoadOptions = { connections: CD, durationS: quick ? 2 : 4, maxS: 15 };
const MIX_ROUNDS = quick ? 1 : 3;
const INSERT_TRIALS = quick ? 1 : 3;
const UPDATE_TRIALS = quick ? 1 : 2;
const DEPTH = 15_000;
const PAGE = 100;
/** Uncodie's real outbound budget (config/vendors/uncodie.yaml defaults). */
const REAL_BUDGET = { UNCODIE_RATE_PER_MINUTE: '20', UNCODIE_RATE_BURST: '20' };
const LIFTED_BUDGET = { UNCODIE_RATE_PER_MINUTE: '100000000', UNCODIE_RATE_BURST: '1000000' };
const FRESH = { every: '5s', everyMs: 5_000, reconcile: '20s', reconcileMs: 20_000 };
const MIRRORED = ['uncodie', 'superagentes'] as const;
const LIMIT = 10;
const started = performance.now();
const log = (msg: string) => console.error(`[bench:mirrors ${((performance.now() - started) / 1000).toFixed(1)}s] ${msg}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** First pages (filters included) of the request mix; each is followed by FOLLOW_UPS cursor pages. */
const MIX = [
  `/conversations?limit=${LIMIT}`,
  '/conversations?limit=20&orderBy=createdAt',
  `/conversations?limit=${LIMIT}&orderBy=updatedAt&orderDir=asc`,
  '/conversations?limit=25&createdAfter=2024-02-01T00:00:00Z&createdBefore=2024-03-01T00:00:00Z',
  `/conversations?limit=${LIMIT}&search=refund`,
  '/conversations?limit=50&offset=500',
  `/conversations?limit=${LIMIT}&orderBy=updatedAt&updatedAfter=2024-03-15T00:00:00Z`,
];
const FOLLOW_UPS = 2;

const systems: (System | undefined)[] = [];
const dirs: string[] = [];
const vendors = await startVendors({ configDir: join(ROOT, 'config'), latencyMs, sizes: { siteassist: SIZE, uncodie: SIZE, superagentes: SIZE } });
try {
  await main(vendors);
} finally {
  await stopAll(systems);
  await vendors.close();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
}

async function main(v: VendorSet): Promise<void> {
  log(`simulators up (${v.names.map((n) => `${n} ${v.sims.get(n)!.data.length}`).join(', ')}, ${latencyMs} ms)${quick ? ' — QUICK run: smaller data, shorter rows' : ''}`);
  const dataDir = await tempDir('switchboard-bench-mirror-');
  const rows: Measurement[] = [];
  const row = async (sys: System, path: string, o: Partial<LoadOptions> = {}) => {
    const m = await measure(sys, path, v, { ...load, ...o });
    rows.push(m);
    log(`${sys.name} ${path.slice(0, 70)}: p50 ${m.p50} ms, ${m.rps} req/s, ${m.responses} responses, peak RSS ${m.peak.rssMb} MB`);
    return m;
  };

  // W: Uncodie's mirror warmed by a gateway at the real budget, beside everything else.
  const warm = await startWarming(v);

  // ---- off ----
  const off = await startGateway({ vendorEnv: v.env, cacheTtlMs: 0, name: 'gateway (mirrors off)', env: { MIRRORS: 'off', ...REAL_BUDGET } });
  systems.push(off);
  log('gateway (mirrors off) up');
  const mixOff = await runMix(off, v);
  log(`mix, mirrors off: ${mixOff.allOk}/${mixOff.requests} with all three sources ok; errors ${JSON.stringify(mixOff.errors)}`);
  const first = `/conversations?limit=${LIMIT}`;
  const offFirst1 = await row(off, first, { connections: 1 });
  const offFirstN = await row(off, first);
  // First pages before deep ones: RSS only falls slowly once grown, so the lighter row goes first.
  const offRssFirst = await row(off, first, { connections: 200, durationS: quick ? 3 : 10 });
  const offRss = await row(off, `/conversations?limit=${LIMIT}&offset=1000`, { connections: 200, durationS: quick ? 3 : 10 });
  await off.stop();

  // ---- fill: the operator's backfill ----
  const backfill: MirrorResults['sync']['backfill'] = {};
  for (const name of MIRRORED) {
    const from = v.syncCalls.length;
    const r = await cli(['mirror', 'sync', name, '--full'], { ...v.env, DATA_DIR: dataDir, MIRROR_STORE: 'sqlite', ...LIFTED_BUDGET });
    if (r.code !== 0) throw new Error(`backfill of ${name} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
    // W syncs Uncodie meanwhile with the same requests: count each distinct page once (calls and items come
    // from the pass's own report below).
    const pages = new Map(v.syncCalls.slice(from).filter((c) => c.vendor === name).map((c) => [c.query, c]));
    const distinct = [...pages.values()];
    backfill[name] = {
      wallMs: Math.round(r.ms),
      calls: distinct.length,
      items: distinct.reduce((a, c) => a + c.items, 0),
      bytes: distinct.reduce((a, c) => a + c.bytes, 0),
      output: r.stdout.trim().split('\n').at(-1) ?? '',
    };
    log(`backfill ${name}: ${r.stdout.trim().split('\n').at(-1)}`);
  }
  const status = JSON.parse((await cli(['mirror', 'status', '--json'], { ...v.env, DATA_DIR: dataDir, MIRROR_STORE: 'sqlite' })).stdout) as {
    mirrors: { vendor: string; rows: number; lastFull: PassRecord | null }[];
  };
  for (const m of status.mirrors) {
    const b = backfill[m.vendor];
    if (b && m.lastFull) Object.assign(b, { passMs: m.lastFull.durationMs, rows: m.rows, calls: m.lastFull.calls, items: m.lastFull.items });
  }

  // ---- on ----
  const onEnv = { MIRRORS: 'on', DATA_DIR: dataDir, MIRROR_STORE: 'sqlite', ...REAL_BUDGET };
  const on = await startGateway({ vendorEnv: v.env, cacheTtlMs: 0, name: 'gateway (mirrors on)', env: onEnv });
  systems.push(on);
  const readyMs = await waitReady(on, MIRRORED, 60_000);
  log(`gateway (mirrors on) up, mirrors ready after ${readyMs} ms (backfilled)`);
  const onPasses = collectPasses(on);
  const mixOn = await runMix(on, v);
  log(`mix, mirrors on: ${mixOn.allOk}/${mixOn.requests} with all three sources ok; mirrored calls from sources ${mixOn.mirroredCallsFromSources}, from logs ${JSON.stringify(mixOn.liveCallsFromLogs)}`);

  // What the gateway's first page asks of the vendors now: the floor replays exactly that.
  await v.quiet();
  v.reset();
  const sample = await getJson<{ sources: { vendor: string; mode: string; calls: number }[] }>(on.url + first);
  // The page's own calls, not the sync's.
  const upstreams = recordedUpstreams(v, (c) => !String(c.headers['x-request-id'] ?? '').startsWith('mirror-sync-'));
  const floor = await startFloor(upstreams);
  systems.push(floor);
  log(`floor up, replaying ${upstreams.length} upstream request(s) of the mirrors-on first page (${sample.body.sources.map((s) => `${s.vendor} ${s.mode} ${s.calls}`).join(', ')})`);
  const onFirst1 = await row(on, first, { connections: 1 });
  const floorFirst1 = await row(floor, first, { connections: 1 });
  const onFirstN = await row(on, first);
  const floorFirstN = await row(floor, first);
  await floor.stop();

  // Depth: a mirrored vendor's page at cursor depth 15,000 against its first page.
  const depth20k: DepthFigure[] = [];
  for (const name of ['superagentes', 'uncodie']) {
    if (SIZE <= DEPTH) {
      log(`depth: ${name} holds ${SIZE} conversations, not past ${DEPTH}: skipped`);
      continue;
    }
    depth20k.push(await depthFigure(on, name, [100, DEPTH], v, rows, SIZE));
  }

  const onRssFirst = await row(on, first, { connections: 200, durationS: quick ? 3 : 10 });
  const onRss = await row(on, `/conversations?limit=${LIMIT}&offset=1000`, { connections: 200, durationS: quick ? 3 : 10 });
  const onMetrics = await syncMetrics(on);
  const passesOn = await onPasses.stop();
  await on.stop();

  // ---- fresh: vendor-side changes, seen through a gateway syncing every 5 s ----
  const fresh = await startGateway({
    vendorEnv: v.env,
    cacheTtlMs: 0,
    name: 'gateway (mirrors on, every 5 s)',
    env: { ...onEnv, UNCODIE_MIRROR_EVERY: FRESH.every, SUPERAGENTES_MIRROR_EVERY: FRESH.every, SUPERAGENTES_MIRROR_RECONCILE: FRESH.reconcile },
  });
  systems.push(fresh);
  await waitReady(fresh, MIRRORED, 60_000);
  const freshPasses = collectPasses(fresh);
  const syncCallsBefore = v.syncCalls.length;
  // Its first reconcile of Superagentes starts at once (the last full read is older than 20 s): let it end,
  // so the first insert is not timed against a gateway busy parsing 20,000 conversations.
  await waitFor(async () => ((await syncMetrics(fresh)).superagentes?.passes.full?.count ?? 0) >= 1, 120_000).catch(() =>
    log('the fresh gateway ran no full read of Superagentes within 120 s of its start'),
  );
  const inserts: MirrorResults['freshness']['inserts'] = {};
  for (const name of MIRRORED) {
    const trials: number[] = [];
    for (let k = 0; k < INSERT_TRIALS; k++) {
      await sleep(Math.random() * FRESH.everyMs); // a random phase against the 5 s pass
      trials.push(await insertTrial(fresh, v, name, k));
      log(`insert at ${name} #${k}: visible after ${trials.at(-1)} ms`);
    }
    inserts[name] = { trialsMs: trials, maxMs: Math.max(...trials), medianMs: median(trials), targetMs: FRESH.everyMs + 1_000 };
  }
  const updates: number[] = [];
  for (let k = 0; k < UPDATE_TRIALS; k++) {
    await sleep(Math.random() * FRESH.reconcileMs);
    updates.push(await updateTrial(fresh, v, k));
    log(`update at superagentes #${k}: visible after ${updates.at(-1)} ms`);
  }
  const freshMetrics = await syncMetrics(fresh);
  const passesFresh = await freshPasses.stop();
  await fresh.stop();
  const freshSync = v.syncCalls.slice(syncCallsBefore);
  const saFull = freshSync.filter((c) => c.vendor === 'superagentes' && !c.query.includes('startDate'));
  const saHead = freshSync.filter((c) => c.vendor === 'superagentes' && c.query.includes('startDate'));
  const saFullPasses = passesFresh.filter((p) => p.vendor === 'superagentes' && p.kind === 'full' && !p.error);
  // /vendors shows only the newest pass (a head pass soon follows a full read): /metrics has them all.
  const fullMetric = freshMetrics.superagentes?.passes.full;
  const fullReadMs = fullMetric && fullMetric.count > 0 ? Math.round((1000 * fullMetric.seconds) / fullMetric.count) : median(saFullPasses.map((p) => p.durationMs));
  // The last full read's body (the data grew by the inserts before it).
  const lastFull = saFull.at(-1);
  const bytesPerFullRead = lastFull?.bytes ?? Number.NaN;
  const update: MirrorResults['freshness']['update'] = {
    vendor: 'superagentes',
    trialsMs: updates,
    maxMs: Math.max(...updates),
    medianMs: median(updates),
    reconcileMs: FRESH.reconcileMs,
    fullReadMs,
    targetMs: FRESH.reconcileMs + fullReadMs + 1_000,
    fullReads: saFull.length,
    callsPerFullRead: 1,
    bytesPerFullRead,
    itemsPerFullRead: lastFull?.items ?? Number.NaN,
    bytesPerHourAtThisReconcile: Math.round(bytesPerFullRead * (3_600_000 / FRESH.reconcileMs)),
    bytesPerHourAtDefaultReconcile: Math.round(bytesPerFullRead * (3_600_000 / 300_000)),
    headPassBytesMedian: median(saHead.map((c) => c.bytes)),
    gatewayCpuShareOfFullReads: round(fullReadMs / FRESH.reconcileMs, 2),
  };

  // ---- big: a 100,000-row mirror filled through the sync ----
  const big = await bigMirror(v, rows);

  // ---- W: the warm read at the real budget ----
  const warming = await warm.finish();

  const passes = [...passesOn.map((p) => ({ ...p, phase: 'on' })), ...passesFresh.map((p) => ({ ...p, phase: 'fresh' }))];
  const headOf = (vendor: string) => {
    const h = passes.filter((p) => p.vendor === vendor && p.kind === 'head' && !p.error);
    return { passes: h.length, callsMedian: median(h.map((p) => p.calls)), durationMsMedian: median(h.map((p) => p.durationMs)), itemsMedian: median(h.map((p) => p.items)) };
  };
  const sumCalls = (m: Measurement, names: readonly string[]) => names.reduce((a, n) => a + (m.perVendor[n]?.calls ?? 0), 0);
  const results: MirrorResults = {
    generatedAt: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    machine: { cpus: availableParallelism(), node: process.version },
    runSeconds: 0,
    setup: {
      latencyMs,
      sizes: { siteassist: SIZE, uncodie: SIZE, superagentes: SIZE },
      bigSize: BIG,
      uncodieBudget: { perMinute: 20, burst: 20 },
      connections: C,
      depthConnections: depthLoad.connections,
      depthRounds: DEPTH_ROUNDS,
      durationS: load.durationS,
      mixRounds: MIX_ROUNDS,
      mix: MIX,
      followUps: FOLLOW_UPS,
      fresh: { every: FRESH.every, superagentesReconcile: FRESH.reconcile },
    },
    mix: { off: mixOff, on: mixOn },
    calls: {
      requests: mixOn.requests,
      fromSources: mixOn.mirroredCallsFromSources,
      perRequestFromSources: round(mixOn.mirroredCallsFromSources / mixOn.requests, 3),
      fromLogs: mixOn.liveCallsFromLogs,
      perRequestFromLogs: round(MIRRORED.reduce((a, n) => a + (mixOn.liveCallsFromLogs[n] ?? 0), 0) / mixOn.requests, 3),
      mirroredModeShare: mixOn.mirroredModeShare,
      firstPageUpstreams: upstreams.map((u) => `${[...v.sims].find(([, s]) => s.url === u.origin)?.[0] ?? u.origin} ${u.path.split('?')[0]}`),
    },
    firstPage: {
      off: { p50: offFirst1.p50, rps: offFirstN.rps, items: offFirst1.itemsPerResponse, calls: offFirst1.upstreamPerResponse, mirroredCalls: sumCalls(offFirst1, MIRRORED) },
      on: { p50: onFirst1.p50, rps: onFirstN.rps, items: onFirst1.itemsPerResponse, calls: onFirst1.upstreamPerResponse, mirroredCalls: sumCalls(onFirst1, MIRRORED) },
      floor: { p50: floorFirst1.p50, rps: floorFirstN.rps, upstreams: upstreams.length },
      p50VsFloor: round(onFirst1.p50 / floorFirst1.p50),
      rpsVsFloor: round(onFirstN.rps / floorFirstN.rps),
      offP50VsOn: round(offFirst1.p50 / onFirst1.p50),
    },
    depth: { mirror: depth20k, big },
    rss: {
      off: { rssMb: offRss.peak.rssMb, heapMb: offRss.peak.heapUsedMb, p50: offRss.p50, rps: offRss.rps, errors: offRss.errors },
      on: { rssMb: onRss.peak.rssMb, heapMb: onRss.peak.heapUsedMb, p50: onRss.p50, rps: onRss.rps, errors: onRss.errors },
      path: onRss.path,
      firstPage: {
        off: { rssMb: offRssFirst.peak.rssMb, heapMb: offRssFirst.peak.heapUsedMb, p50: offRssFirst.p50, rps: offRssFirst.rps, errors: offRssFirst.errors },
        on: { rssMb: onRssFirst.peak.rssMb, heapMb: onRssFirst.peak.heapUsedMb, p50: onRssFirst.p50, rps: onRssFirst.rps, errors: onRssFirst.errors },
        path: onRssFirst.path,
      },
      connections: 200,
    },
    sync: {
      backfill,
      warming,
      head: { uncodie: headOf('uncodie'), superagentes: headOf('superagentes') },
      superagentesFull: {
        passes: fullMetric?.count ?? saFullPasses.length,
        durationMsMedian: fullReadMs,
        calls: 1,
        items: update.itemsPerFullRead,
        bytes: bytesPerFullRead,
      },
      metrics: { on: onMetrics, fresh: freshMetrics },
      passes,
    },
    freshness: { inserts, update },
    rows,
    targets: [],
  };
  results.runSeconds = Math.round((performance.now() - started) / 1000);
  results.targets = evaluateMirrorTargets(results);

  const file = join(ROOT, 'bench/results.json');
  const existing = existsSync(file) ? (JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>) : {};
  await writeFile(file, JSON.stringify({ ...existing, mirrors: results }, null, 2) + '\n');
  log('wrote the mirrors key of bench/results.json');
  if (!quick) {
    const md = join(ROOT, 'BENCHMARKS.md');
    const before = existsSync(md) ? await readFile(md, 'utf8') : '# Benchmarks\n';
    await writeFile(md, spliceMirrors(before, renderMirrors(results)));
    log('wrote the Mirrors section of BENCHMARKS.md');
  }
  const { rows: _rows, sync, ...figures } = results;
  const { passes: _passes, ...syncFigures } = sync;
  console.log(JSON.stringify({ ...figures, sync: syncFigures }, null, 2));
}

// ---------------------------------------------------------------------------------------------------------

async function tempDir(prefix: string): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

async function getJson<T>(url: string): Promise<{ status: number; body: T; ms: number }> {
  const t = performance.now();
  const res = await request(url, { headersTimeout: 60_000, bodyTimeout: 60_000 });
  const text = await res.body.text();
  return { status: res.statusCode, body: JSON.parse(text) as T, ms: performance.now() - t };
}

interface SourceEntry {
  vendor: string;
  status: string;
  mode?: string;
  calls: number;
  error?: { code: string; message?: string };
}
interface Page {
  data?: { id: string; title: string | null; updatedAt: string | null }[];
  sources?: SourceEntry[];
  errors?: { vendor: string; code: string; message?: string }[];
  nextCursor?: string | null;
  limit?: number;
}
interface VendorMirror {
  state: string;
  rows: number;
  syncedAt: string | null;
  lagMs: number | null;
  lastSync: PassRecord | null;
}

async function vendorStatus(sys: System): Promise<Record<string, VendorMirror | null>> {
  const r = await getJson<{ data: { name: string; mirror: VendorMirror | null }[] }>(`${sys.url}/vendors`);
  return Object.fromEntries(r.body.data.map((d) => [d.name, d.mirror]));
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, everyMs = 250): Promise<number> {
  const t = performance.now();
  for (;;) {
    if (await check().catch(() => false)) return Math.round(performance.now() - t);
    if (performance.now() - t > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

function waitReady(sys: System, names: readonly string[], timeoutMs: number): Promise<number> {
  return waitFor(async () => {
    const s = await vendorStatus(sys);
    return names.every((n) => s[n]?.state === 'ready');
  }, timeoutMs);
}

/** `node bin/switchboard.js …` with these variables over the bench's environment. */
async function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const t = performance.now();
  try {
    const r = await promisify(execFile)(process.execPath, ['bin/switchboard.js', ...args], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn', UPSTREAM_TIMEOUT_MS: '10000', ...env }, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr, ms: performance.now() - t };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? String(e), ms: performance.now() - t };
  }
}

// Function declarations, not consts: main() runs at the top level, before later consts are initialised.
function median(xs: number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : round((s[m - 1]! + s[m]!) / 2, 1);
}
function pct(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return round(s[Math.min(s.length - 1, Math.floor(p * s.length))]!, 1);
}

/**
 * The request mix, one request at a time: every first page of MIX, each followed by FOLLOW_UPS cursor
 * pages, MIX_ROUNDS times. Counts answers with all three sources ok, every vendor error by code, and the
 * mirrored vendors' upstream calls: what sources[] says and what the simulators saw (sync calls excluded).
 */
async function runMix(sys: System, v: VendorSet): Promise<MixResult> {
  const before = v.tally();
  const latencies: number[] = [];
  const errors: Record<string, Record<string, number>> = {};
  const modes: Record<string, Record<string, number>> = {};
  const statuses: Record<string, number> = {};
  let requests = 0;
  let allOk = 0;
  let partial = 0;
  let mirroredCalls = 0;
  const callsFromSources: Record<string, number> = {};
  let mirroredEntries = 0;
  let mirroredFromMirror = 0;
  let followUpsMissing = 0;
  const samples: Record<string, string> = {};
  const count = (vendor: string, code: string, message?: string) => {
    const e = (errors[vendor] ??= {});
    e[code] = (e[code] ?? 0) + 1;
    if (message) samples[`${vendor} ${code}`] ??= message.replace(/http:\/\/127\.0\.0\.1:\d+/g, '<sim>');
  };
  const one = async (path: string): Promise<Page> => {
    const r = await getJson<Page>(sys.url + path);
    requests++;
    latencies.push(r.ms);
    statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    const sources = r.body.sources ?? [];
    if (r.status === 200 && sources.length === v.names.length && sources.every((s) => s.status === 'ok')) allOk++;
    if (r.status === 200 && sources.some((s) => s.status !== 'ok')) partial++;
    for (const s of sources) {
      if (s.status === 'error') count(s.vendor, s.error?.code ?? 'unknown', s.error?.message);
      else if (s.status !== 'ok') count(s.vendor, s.status);
      callsFromSources[s.vendor] = (callsFromSources[s.vendor] ?? 0) + s.calls;
      const m = (modes[s.vendor] ??= {});
      m[s.mode ?? 'live'] = (m[s.mode ?? 'live'] ?? 0) + 1;
      if ((MIRRORED as readonly string[]).includes(s.vendor)) {
        mirroredCalls += s.calls;
        mirroredEntries++;
        if (s.mode === 'mirror') mirroredFromMirror++;
      }
    }
    for (const e of r.body.errors ?? []) count(e.vendor, e.code, e.message);
    return r.body;
  };
  for (let round_ = 0; round_ < MIX_ROUNDS; round_++) {
    for (const path of MIX) {
      let page = await one(path);
      for (let k = 0; k < FOLLOW_UPS; k++) {
        if (!page.nextCursor) {
          followUpsMissing += FOLLOW_UPS - k;
          break;
        }
        page = await one(`/conversations?cursor=${encodeURIComponent(page.nextCursor)}`);
      }
    }
  }
  const after = v.tally();
  const liveCallsFromLogs = Object.fromEntries(v.names.map((n) => [n, after[n]!.live.calls - before[n]!.live.calls]));
  const liveItemsFromLogs = Object.fromEntries(v.names.map((n) => [n, after[n]!.live.items - before[n]!.live.items]));
  return {
    requests,
    allOk,
    allOkShare: round(allOk / requests, 4),
    partial,
    statuses,
    errors,
    errorSamples: samples,
    modes,
    mirroredCallsFromSources: mirroredCalls,
    callsFromSources,
    mirroredModeShare: mirroredEntries === 0 ? 0 : round(mirroredFromMirror / mirroredEntries, 4),
    liveCallsFromLogs,
    liveItemsFromLogs,
    p50: pct(latencies, 0.5),
    p90: pct(latencies, 0.9),
    followUpsMissing,
  };
}

/** Follows nextCursor (pages of 100) from `first` and returns the cursor found at each depth. */
async function walk(sys: System, first: string, depths: number[]): Promise<{ cursors: Map<number, string>; pages: number; seconds: number; pageMsMedian: number }> {
  const t = performance.now();
  const cursors = new Map<number, string>();
  const want = [...depths].sort((a, b) => a - b);
  let path = first;
  let seen = 0;
  let pages = 0;
  const times: number[] = [];
  while (cursors.size < want.length) {
    const r = await getJson<Page>(sys.url + path);
    times.push(r.ms);
    if (r.status !== 200 || !r.body.nextCursor) throw new Error(`walk of ${first} stopped at ${seen}: status ${r.status}`);
    seen += r.body.data?.length ?? 0;
    pages++;
    for (const d of want) if (seen === d) cursors.set(d, `/conversations?cursor=${encodeURIComponent(r.body.nextCursor)}`);
    if (seen > want.at(-1)!) throw new Error(`walk of ${first} passed ${want.at(-1)} at ${seen} (page sizes?)`);
    path = `/conversations?cursor=${encodeURIComponent(r.body.nextCursor)}`;
  }
  return { cursors, pages, seconds: round((performance.now() - t) / 1000, 1), pageMsMedian: median(times) };
}

/**
 * One vendor's page at each cursor depth against its first page (limit 100): the rows alternate, first
 * page then each depth, DEPTH_ROUNDS times; each side's p50 is the median of its rounds' p50s. Depth 100
 * (the second page) separates what any cursor page costs (decoding it) from what depth costs.
 */
async function depthFigure(sys: System, vendor: string, depths: number[], v: VendorSet, rows: Measurement[], mirrorRows: number, extra: Partial<DepthFigure> = {}): Promise<DepthFigure> {
  const first = `/conversations?vendor=${vendor}&limit=${PAGE}`;
  const w = await walk(sys, first, depths);
  log(`walk of ${vendor} to ${depths.join(', ')}: ${w.pages} pages in ${w.seconds} s`);
  const p50s: Record<string, number[]> = { 0: [] };
  for (const d of depths) p50s[d] = [];
  for (let r = 0; r < DEPTH_ROUNDS; r++) {
    for (const [d, path] of [[0, first] as const, ...depths.map((d) => [d, w.cursors.get(d)!] as const)]) {
      const m = await measure(sys, path, v, depthLoad);
      rows.push({ ...m, system: `${m.system}: ${vendor} at depth ${d.toLocaleString('en')}` });
      p50s[d]!.push(m.p50);
    }
  }
  const p50 = Object.fromEntries(Object.entries(p50s).map(([d, xs]) => [d, median(xs)]));
  const out: DepthFigure = {
    vendor,
    mirrorRows,
    depths,
    p50ByDepth: p50,
    roundsP50: p50s,
    depth: DEPTH,
    ratio: round(p50[DEPTH]! / p50[0]!),
    ratioVsSecondPage: round(p50[DEPTH]! / p50[100]!),
    ratios: Object.fromEntries(depths.map((d) => [d, round(p50[d]! / p50[0]!)])),
    walk: { pages: w.pages, seconds: w.seconds, pageMsMedian: w.pageMsMedian },
    ...extra,
  };
  log(`depth ${vendor} (${mirrorRows} rows): p50 ${JSON.stringify(p50)} → ratio ${out.ratio}`);
  return out;
}

/** Polls /vendors and keeps every distinct pass report it sees (the newest of each mirror at each poll). */
function collectPasses(sys: System, everyMs = 500): { stop(): Promise<PassRecord[]> } {
  const seen = new Map<string, PassRecord>();
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        for (const [vendor, m] of Object.entries(await vendorStatus(sys))) {
          if (m?.lastSync) seen.set(`${vendor} ${m.lastSync.kind} ${m.lastSync.startedAt}`, { vendor, ...m.lastSync });
        }
      } catch {
        /* the gateway is stopping */
      }
      await sleep(everyMs);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return [...seen.values()];
    },
  };
}

/** The sync figures of /metrics: passes and seconds per vendor and kind, calls and items per vendor. */
async function syncMetrics(sys: System): Promise<SyncMetrics> {
  const res = await request(`${sys.url}/metrics`);
  const text = await res.body.text();
  const out: SyncMetrics = {};
  const labels = (s: string) => Object.fromEntries([...s.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
  for (const line of text.split('\n')) {
    const m = /^(switchboard_mirror_sync_(?:duration_seconds_sum|duration_seconds_count|calls_total|items_total))\{([^}]*)\} (\S+)$/.exec(line);
    if (!m) continue;
    const l = labels(m[2]!);
    const vendor = l.vendor!;
    const e = (out[vendor] ??= { calls: 0, items: 0, passes: {} });
    const value = Number(m[3]);
    if (m[1] === 'switchboard_mirror_sync_calls_total') e.calls = value;
    else if (m[1] === 'switchboard_mirror_sync_items_total') e.items = value;
    else {
      const k = (e.passes[l.kind!] ??= { count: 0, seconds: 0 });
      if (m[1]!.endsWith('_count')) k.count = value;
      else k.seconds = round(value, 3);
    }
  }
  return out;
}

function wholeSecond(): number {
  return Math.floor(Date.now() / 1000) * 1000;
}

/** A new conversation at the vendor, created now; ms until the gateway's first page (orderBy=createdAt) shows it. */
async function insertTrial(sys: System, v: VendorSet, vendor: string, k: number): Promise<number> {
  const sim = v.sims.get(vendor)!;
  const template = sim.data[k * 7 + 1]!;
  const now = wholeSecond();
  const id = vendor === 'uncodie' ? randomUUID() : `sa-bench-${k}-${now}`;
  const c: CanonicalConversation = {
    ...structuredClone(template),
    id,
    title: `Bench insert ${k}`,
    status: 'open',
    createdAt: now,
    updatedAt: now,
    lastActivityAt: now,
    closedAt: null,
    messages: [{ id: `${id}-m0`, text: 'Hello!', author: 'customer', createdAt: now }],
  };
  sim.data = [...sim.data, c];
  v.invalidate(vendor);
  const t = performance.now();
  await waitFor(async () => {
    const r = await getJson<Page>(`${sys.url}/conversations?orderBy=createdAt&limit=20`);
    return r.body.data?.some((d) => d.id === `${vendor}:${id}`) ?? false;
  }, 120_000, 100);
  return Math.round(performance.now() - t);
}

/** An existing Superagentes conversation updated now (not new): ms until the gateway shows the update. */
async function updateTrial(sys: System, v: VendorSet, k: number): Promise<number> {
  const sim = v.sims.get('superagentes')!;
  const i = 101 + k * 13;
  const now = wholeSecond();
  const title = `Bench update ${k} ${now}`;
  const c: CanonicalConversation = { ...structuredClone(sim.data[i]!), title, updatedAt: now, lastActivityAt: now };
  const data = [...sim.data];
  data[i] = c;
  sim.data = data;
  v.invalidate('superagentes');
  const t = performance.now();
  await waitFor(async () => {
    const r = await getJson<Page>(`${sys.url}/conversations?vendor=superagentes&orderBy=updatedAt&limit=5`);
    return r.body.data?.[0]?.id === `superagentes:${c.id}` && r.body.data[0].title === title;
  }, 180_000, 200);
  return Math.round(performance.now() - t);
}

/**
 * W: a gateway mirroring Uncodie alone at the real budget from an empty DATA_DIR. `finish` waits for its
 * first full read (at most until the run's cap) and reports how long it took, or how far it got.
 */
async function startWarming(v: VendorSet) {
  const dir = await tempDir('switchboard-bench-warm-');
  const sys = await startGateway({
    vendorEnv: v.env,
    cacheTtlMs: 0,
    name: 'gateway (warming uncodie at 20/min)',
    env: { MIRRORS: 'on', DATA_DIR: dir, MIRROR_STORE: 'sqlite', SUPERAGENTES_MIRROR: 'false', ...REAL_BUDGET },
  });
  systems.push(sys);
  const t0 = Date.now();
  log('gateway W up: warming Uncodie from an empty DATA_DIR at 20 calls/min');
  let readyAt = null as number | null;
  let last = null as VendorMirror | null;
  let whileWarming = null as SourceEntry | null;
  let stopped = false;
  const poll = (async () => {
    while (!stopped && readyAt === null) {
      try {
        last = (await vendorStatus(sys)).uncodie ?? null;
        if (last?.state === 'ready') readyAt = Date.now();
        // One page while it warms: the vendor is read live, as with mirrors off.
        if (!whileWarming && last && last.rows > 0 && last.state !== 'ready') {
          whileWarming = (await getJson<Page>(`${sys.url}/conversations?limit=${LIMIT}`)).body.sources?.find((s) => s.vendor === 'uncodie') ?? null;
        }
      } catch {
        /* stopping */
      }
      await sleep(1_000);
    }
  })();
  return {
    async finish(): Promise<MirrorResults['sync']['warming']> {
      const pages = Math.ceil(SIZE / PAGE);
      // 20 a minute after a burst of 20 (less the 5 kept for live requests): the expected warm time.
      const expectedMs = Math.max(0, pages - 15) * 3_000;
      const capMs = expectedMs * 1.5 + 60_000;
      if (readyAt === null) log(`waiting for W's warm read of Uncodie (expected about ${Math.round(expectedMs / 1000)} s from its start)`);
      while (readyAt === null && Date.now() - t0 < capMs) await sleep(1_000);
      stopped = true;
      await poll;
      const s = (await vendorStatus(sys)).uncodie ?? last;
      await sys.stop();
      // /vendors shows the newest pass (a head pass follows the full read at once): the store keeps both.
      const stored = JSON.parse((await cli(['mirror', 'status', '--json'], { ...v.env, DATA_DIR: dir, MIRROR_STORE: 'sqlite' })).stdout || '{"mirrors":[]}') as {
        mirrors: { vendor: string; lastFull: PassRecord | null }[];
      };
      const full = stored.mirrors.find((m) => m.vendor === 'uncodie')?.lastFull ?? null;
      const elapsed = (readyAt ?? Date.now()) - t0;
      return {
        ready: readyAt !== null,
        msToReady: readyAt === null ? null : elapsed,
        rows: s?.rows ?? 0,
        pages,
        expectedMs,
        lastSync: full ?? s?.lastSync ?? null,
        ...(readyAt === null ? { elapsedMs: elapsed, extrapolatedMs: s && s.rows > 0 ? Math.round((elapsed * SIZE) / s.rows) : null } : {}),
        whileWarming: whileWarming && { status: whileWarming.status, mode: whileWarming.mode ?? 'live', calls: whileWarming.calls, code: whileWarming.error?.code ?? null },
      };
    },
  };
}

/**
 * A Superagentes simulator with BIG conversations (not memoised: the sync reads it once), a gateway with
 * mirrors on and its own DATA_DIR filling it through its sync; the time to ready, and the depth ratio.
 */
async function bigMirror(v: VendorSet, rows: Measurement[]): Promise<DepthFigure & { sync: BigSync }> {
  const config = await loadConfig(join(ROOT, 'config'), { ...VENDOR_ENV });
  const sa = config.vendors.find((x) => x.name === 'superagentes')!;
  const mod = simulators[sa.simulator!]!;
  let t = performance.now();
  const data = mod.demoData(4242, BIG);
  const generatedMs = Math.round(performance.now() - t);
  const inner = mod.behaviour(credentialsOf(sa));
  const counted = { calls: 0, bytes: 0, items: 0 };
  const behaviour: VendorBehaviour = {
    error: (kind, o) => inner.error(kind, o),
    handle(req, d) {
      const res = inner.handle(req, d);
      const body = typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
      counted.calls++;
      counted.bytes += Buffer.byteLength(body);
      if (Array.isArray(res.body)) counted.items += res.body.length;
      return { ...res, body };
    },
  };
  const sim: Simulator = await startSimulator(behaviour, { data, latencyMs });
  try {
    const dir = await tempDir('switchboard-bench-big-');
    t = performance.now();
    const sys = await startGateway({
      vendorEnv: { ...v.env, SUPERAGENTES_BASE_URL: sim.url },
      cacheTtlMs: 0,
      name: `gateway (mirrors on, superagentes ${BIG.toLocaleString('en')})`,
      env: { MIRRORS: 'on', DATA_DIR: dir, MIRROR_STORE: 'sqlite', UNCODIE_MIRROR: 'false', ...REAL_BUDGET },
    });
    systems.push(sys);
    log(`big: ${BIG} Superagentes conversations generated in ${generatedMs} ms; gateway up, its sync fills the mirror`);
    const peak: Memory = { rssMb: 0, heapUsedMb: 0, heapTotalMb: 0 };
    const sampler = setInterval(() => {
      void sys.memory().then((m) => {
        peak.rssMb = Math.max(peak.rssMb, m.rssMb);
        peak.heapUsedMb = Math.max(peak.heapUsedMb, m.heapUsedMb);
      });
    }, 500);
    try {
      await waitFor(async () => (await vendorStatus(sys)).superagentes?.state === 'ready', 15 * 60_000, 500);
    } finally {
      clearInterval(sampler);
    }
    const msToReady = Math.round(performance.now() - t); // from the gateway's spawn
    const s = (await vendorStatus(sys)).superagentes!;
    // /vendors shows the newest pass (a head pass may already follow the full read): the store keeps both.
    const stored = JSON.parse((await cli(['mirror', 'status', '--json'], { ...v.env, DATA_DIR: dir, MIRROR_STORE: 'sqlite' })).stdout || '{"mirrors":[]}') as {
      mirrors: { vendor: string; lastFull: PassRecord | null }[];
    };
    const full = stored.mirrors.find((m) => m.vendor === 'superagentes')?.lastFull ?? null;
    const syncFigures: BigSync = {
      msToReady,
      rows: s.rows,
      lastSync: full ?? s.lastSync,
      calls: counted.calls,
      bytes: counted.bytes,
      items: counted.items,
      generatedMs,
      peakRssMbWhileSyncing: peak.rssMb,
      peakHeapMbWhileSyncing: peak.heapUsedMb,
    };
    log(`big: ready after ${msToReady} ms: ${JSON.stringify(syncFigures.lastSync)}, ${counted.calls} calls, ${counted.bytes} bytes, peak RSS ${peak.rssMb} MB`);
    const deep = Math.min(BIG - 10_000, 90_000);
    const fig = await depthFigure(sys, 'superagentes', [100, DEPTH, deep], v, rows, BIG);
    await sys.stop();
    return { ...fig, sync: syncFigures };
  } finally {
    await sim.close();
  }
}
