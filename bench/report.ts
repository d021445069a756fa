/** BENCHMARKS.md from a results object: the targets, one table per scenario, the chart, the profile. */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Measurement } from './measure.js';
import type { ProfileSummary } from './profile.js';

export interface Scenario {
  id: string;
  title: string;
  rows: Measurement[];
}

interface SingleFlight {
  requests: number;
  ok: number;
  maxPerRequest: number;
  perVendor: Record<string, { calls: number; distinct: number; maxPerRequest: number }>;
}

export interface Results {
  generatedAt: string;
  mode: string;
  machine: { cpus: number; node: string };
  setup: {
    latencyMs: number;
    slowMs: number;
    slowVendor: string;
    sizes: Record<string, number>;
    connections: number;
    depthConnections: number;
    durationS: number;
    limit: number;
    lazyVendors: string[];
    vendorPageSize: number;
  };
  overheadP50: number;
  throughputVsFloor: number;
  deepPageSpeedupVsNaive: number;
  deepPageUpstreamItems: number;
  deepPageItemBound: number;
  cursorPageUpstreamItemsAtDepth10k: number;
  cursorPageItemTarget: number;
  rssMbUnderLoad: number;
  heapMbUnderLoad: number;
  singleFlightUpstreamCalls: number;
  supplementary: {
    gatewayP50FirstPageMs: number;
    slowestVendorP50Ms: number;
    vendorP50Ms: Record<string, number>;
    floorP50FirstPageMs: number;
    overheadP50VsFloor: number;
    deepPageLazyVendorItems: number;
    deepPageLazyItemBound: number;
    cursorPageLazyVendorItems: number;
    cursorPageLazyItemTarget: number;
    slowVendorGatewayP50Ms: number;
    singleFlight: SingleFlight;
    cacheOnThroughputVsFloor: number;
    cursorWalk: { pages: number; seconds: number; pageSize: number; itemsPerPage: { depth: number; items: number; ms: number }[] };
  };
  scenarios: Scenario[];
  profile: ProfileSummary | null;
  /** Written by `npm run bench:mirrors` (bench/mirrors.ts); kept by `npm run bench`. */
  mirrors?: MirrorResults;
}

export interface Target {
  figure: string;
  target: string;
  value: number;
  met: boolean;
}

export function evaluateTargets(r: Omit<Results, 'scenarios' | 'profile'>): Target[] {
  const t = (figure: string, target: string, value: number, met: boolean): Target => ({ figure, target, value, met });
  return [
    t('overheadP50', '≤ 1.05', r.overheadP50, r.overheadP50 <= 1.05),
    t('throughputVsFloor', '≥ 0.8', r.throughputVsFloor, r.throughputVsFloor >= 0.8),
    t('deepPageUpstreamItems', `≤ deepPageItemBound (${r.deepPageItemBound})`, r.deepPageUpstreamItems, r.deepPageUpstreamItems <= r.deepPageItemBound),
    t('cursorPageUpstreamItemsAtDepth10k', `≈ limit + one page per vendor (≤ ${r.cursorPageItemTarget})`, r.cursorPageUpstreamItemsAtDepth10k, r.cursorPageUpstreamItemsAtDepth10k <= r.cursorPageItemTarget),
    t('deepPageSpeedupVsNaive', '≥ 10', r.deepPageSpeedupVsNaive, r.deepPageSpeedupVsNaive >= 10),
    t('rssMbUnderLoad', '< 256', r.rssMbUnderLoad, r.rssMbUnderLoad < 256),
    t('singleFlightUpstreamCalls', '= 1', r.singleFlightUpstreamCalls, r.singleFlightUpstreamCalls === 1),
  ];
}

const fmt = (n: number | null, digits = 1) => (n === null || Number.isNaN(n) ? '—' : n.toLocaleString('en', { maximumFractionDigits: digits }));

function scenarioTable(s: Scenario, vendors: string[]): string {
  const head = ['system', 'request', 'conn', 'responses', 'req/s', 'p50 ms', 'p99 ms', 'upstream calls', 'upstream items', ...vendors.map((v) => `${v} items`), 'items/resp under load', 'peak RSS MB', 'peak heap MB', 'errors'];
  const rows = s.rows.map((m) => {
    const path = m.path.replace(/cursor=[^&]+/, 'cursor=…');
    return [m.system, `\`${path}\``, m.connections, m.responses, fmt(m.rps), fmt(m.p50), fmt(m.p99), fmt(m.upstreamPerResponse), fmt(m.itemsPerResponse), ...vendors.map((v) => fmt(m.perVendor[v]?.items ?? 0)), fmt(m.loadItemsPerResponse), fmt(m.peak.rssMb), fmt(m.peak.heapUsedMb), m.errors];
  });
  return [`### ${s.title}`, '', `| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** What the numbers of this run say, computed from them (so the text never outlives the figures). */
function observations(r: Results): string[] {
  const row = (id: string, system: string) => r.scenarios.find((s) => s.id === id)?.rows.find((m) => m.system === system);
  const out = ['## What stands out', ''];
  const g10k = row('offset-10000', 'gateway');
  const n10k = row('offset-10000', 'naive');
  if (g10k) {
    const lazyCalls = r.setup.lazyVendors.map((v) => `${g10k.perVendor[v]?.calls ?? 0} calls to ${v}`).join(', ');
    out.push(
      `- **Deep offsets.** At offset 10,000 the gateway made ${lazyCalls} (up to 8 in flight at once): p50 ${fmt(g10k.p50)} ms` +
        (n10k ? `, while the naive aggregator, reading all ${fmt(n10k.itemsPerResponse, 0)} items 8 pages at a time, took ${fmt(n10k.p50)} ms.` : '.') +
        ' Items fetched stay at offset + limit for the lazily read vendor; latency grows with (offset ÷ page size ÷ 8) round trips.',
    );
  }
  const gw = row('first-page', 'gateway');
  const fl = row('first-page', 'floor');
  if (gw && fl) {
    const parse = r.profile?.topOurs.find((e) => e.fn === 'tryParseJson');
    const gc = r.profile?.byArea.find((a) => a.area === 'GC');
    out.push(
      `- **The first page is CPU-bound on vendor bodies.** It needs ${gw.upstreamPerResponse} calls and ${fmt(gw.itemsPerResponse, 0)} items to show ${r.setup.limit}: the vendors read whole are parsed in full on every request. ` +
        `Gateway ${fmt(gw.rps)} req/s vs floor ${fmt(fl.rps)}` +
        (parse ? `; in the profile JSON.parse of vendor bodies (\`tryParseJson\`) is ${parse.pct}% of samples` : '') +
        (gc ? ` and GC ${gc.pct}%` : '') + '.',
    );
  }
  const rss = row('rss-200', 'gateway');
  const d1k = row('offset-1000', 'gateway');
  if (rss && d1k) {
    out.push(
      `- **Memory grows with pages in flight.** Each offset-1,000 request holds ${fmt(d1k.itemsPerResponse, 0)} parsed items until it answers; 200 at once peaked at ${fmt(rss.peak.rssMb)} MB RSS (${fmt(rss.peak.heapUsedMb)} MB heap used), p50 ${fmt(rss.p50)} ms.`,
    );
  }
  return out;
}

/** The hand-written part: for each missed target, what was tried and what the profile shows. */
function analysis(): string[] {
  // ANALYSIS.md: the misses of the full run; HOT-PATH.md: CPU per request against the floor (the quick run's figures).
  return ['./ANALYSIS.md', './HOT-PATH.md'].flatMap((name) => {
    const file = fileURLToPath(new URL(name, import.meta.url));
    return existsSync(file) ? [readFileSync(file, 'utf8').trim(), ''] : [];
  });
}

export function renderReport(r: Results): string {
  const vendors = Object.keys(r.setup.sizes);
  const s = r.supplementary;
  const targets = evaluateTargets(r);
  const lines: string[] = [];
  const sizes = Object.entries(r.setup.sizes).map(([k, v]) => `${k} ${v.toLocaleString('en')}`).join(', ');
  lines.push(
    '# Benchmarks',
    '',
    `Generated by \`npm run bench\` (${r.mode} run) on ${r.generatedAt.slice(0, 10)}: ${r.machine.cpus} CPUs, Node ${r.machine.node}. ` +
      `Vendors are the seed simulators on loopback, each answering after ${r.setup.latencyMs} ms; conversations per vendor: ${sizes}. ` +
      `Load is autocannon for ${r.setup.durationS} s per row (rows whose single request takes longer run for 3× that request), ${r.setup.connections} connections, ` +
      `or ${r.setup.depthConnections} for the deep-page rows and the naive aggregator, which cost much more per request (the \`conn\` column says which). ` +
      'Every system is its own process; the simulators and autocannon share the bench process. ' +
      '"Upstream calls" and "upstream items" are what one request costs alone (the simulators\' counters around a single request); "items/resp under load" is the loaded run\'s count ÷ its responses.',
    '',
    'Systems: **gateway** (`src/server.ts`, cache off, info logging as in production); **gateway (cache on)** (`VENDOR_CACHE_TTL_MS=5000`); ' +
      "**floor** (`bench/floor.ts`: the gateway's first-page upstream requests, all at once, bodies concatenated unparsed); " +
      "**naive** (`bench/naive.ts`: every vendor read to the end with the gateway's own dialects, 8 pages at a time, sorted, sliced).",
    '',
    '## Targets',
    '',
    '| figure | target | measured | |',
    '|---|---|---|---|',
    ...targets.map((t) => `| \`${t.figure}\` | ${t.target} | ${fmt(t.value, 2)} | ${t.met ? 'met' : '**missed**'} |`),
    '',
    'How each is measured:',
    '',
    `- \`overheadP50\`: gateway first-page p50 with one connection (${fmt(s.gatewayP50FirstPageMs)} ms) ÷ the slowest vendor's p50 for one of the same calls made directly (${fmt(s.slowestVendorP50Ms)} ms). ` +
      `The floor's p50 for the same page is ${fmt(s.floorP50FirstPageMs)} ms: gateway ÷ floor = ${fmt(s.overheadP50VsFloor, 2)}.`,
    '- `throughputVsFloor`: first-page req/s, gateway (cache off) ÷ floor, same connections. ' + `With the cache on: ${fmt(s.cacheOnThroughputVsFloor, 2)}.`,
    `- \`deepPageUpstreamItems\`: items the vendors sent per response at offset 1,000 (the simulators' own count), bound = offset + limit + vendors × ${r.setup.vendorPageSize}. ` +
      `Vendors read whole (${vendors.filter((v) => !r.setup.lazyVendors.includes(v)).join(', ') || 'none'}) are read in full on every request by design; ` +
      `the vendors read lazily (${r.setup.lazyVendors.join(', ')}) sent ${fmt(s.deepPageLazyVendorItems)} (bound for them: ${fmt(s.deepPageLazyItemBound)}).`,
    `- \`cursorPageUpstreamItemsAtDepth10k\`: items per response for a limit-${r.setup.limit} page whose cursor was reached by walking pages of ${s.cursorWalk.pageSize} to depth 10,000; ` +
      `the lazily read vendors sent ${fmt(s.cursorPageLazyVendorItems)} of them (target for them: ${fmt(s.cursorPageLazyItemTarget)}).`,
    `- \`deepPageSpeedupVsNaive\`: naive p50 ÷ gateway p50 at offset 1,000, both with ${r.setup.depthConnections} connections.`,
    '- `rssMbUnderLoad`: highest gateway RSS sampled every 250 ms under 200 connections of offset-1,000 pages; heap used peaked at ' + `${fmt(r.heapMbUnderLoad)} MB.`,
    `- \`singleFlightUpstreamCalls\`: ${s.singleFlight.requests} identical first-page requests at once to a fresh gateway with the cache on; the most times any one distinct upstream request was made ` +
      `(per vendor: ${Object.entries(s.singleFlight.perVendor).map(([k, v]) => `${k} ${v.calls} calls for ${v.distinct} distinct requests`).join('; ')}).`,
    '',
    ...analysis(),
    '## Page depth',
    '',
    '![p50 latency and upstream items per response vs page depth, gateway vs naive](bench/chart.svg)',
    '',
    `Cursor walk: ${s.cursorWalk.pages} pages of ${s.cursorWalk.pageSize} to depth 10,000 in ${fmt(s.cursorWalk.seconds)} s; upstream items per page at depth ` +
      s.cursorWalk.itemsPerPage.filter((_, i, a) => i === 0 || i === a.length - 1 || i % 25 === 0).map((p) => `${p.depth.toLocaleString('en')}: ${p.items}`).join(', ') +
      '.',
    '',
    '## Scenarios',
    '',
  );
  for (const sc of r.scenarios) lines.push(scenarioTable(sc, vendors), '');
  lines.push(...observations(r), '');
  if (r.profile) {
    const p = r.profile;
    lines.push(
      '## Where the gateway spends its CPU (first page, cache off)',
      '',
      'A separate gateway, built with tsc as `npm start` runs it and started with `--cpu-prof`, under the first-page load ' +
      `(${r.setup.connections} connections); only the ${fmt(p.totalMs)} ms sampled while the load ran count, mapped back to src/*.ts through the source maps. By area: ` +
        p.byArea.map((a) => `${a.area} ${a.pct}%`).join(', ') + '.',
      '',
      '| self time, our code (src/) | where | ms | % |',
      '|---|---|---|---|',
      ...p.topOurs.map((e) => `| \`${e.fn}\` | ${e.where} | ${fmt(e.selfMs)} | ${e.pct} |`),
      '',
      '| self time, everything | where | ms | % |',
      '|---|---|---|---|',
      ...p.top.map((e) => `| \`${e.fn}\` | ${e.where} | ${fmt(e.selfMs)} | ${e.pct} |`),
      '',
    );
  }
  if (r.mirrors) lines.push(renderMirrors(r.mirrors).trimEnd(), '');
  lines.push(
    '## Reading these numbers',
    '',
    '- One machine runs everything: the systems under test, the simulators and autocannon compete for the same CPUs, so absolute req/s are lower than on separate hosts; ratios between systems measured in the same run are the figures to watch.',
    "- The simulators memoise each distinct answer, so a system waits for the configured latency, not for the simulator re-sorting its data; the first request of each distinct call still pays that, and warm-up requests absorb it.",
    '- Latency percentiles come from every 2xx response autocannon saw (sub-millisecond). Upstream calls and items come from the simulators\' counters: around one request made alone (exact), and over the loaded run ÷ its responses (which also counts the work of requests still in flight when the row ended, so it reads high on rows with few responses; for the cached gateway it shows what the cache saved).',
    '',
  );
  return lines.join('\n');
}

// ---- Mirrors (npm run bench:mirrors writes results.json's `mirrors` key; npm run bench keeps it) --------

/** One sync pass as /vendors reports it (lastSync), with the vendor it belongs to. */
export interface PassRecord {
  vendor?: string;
  phase?: string;
  kind: string;
  startedAt: string;
  durationMs: number;
  calls: number;
  items: number;
  error: { code: string; message: string } | null;
}

export interface MixResult {
  requests: number;
  /** 200 answers whose sources[] were all `ok`. */
  allOk: number;
  allOkShare: number;
  /** 200 answers with a vendor failed or skipped. */
  partial: number;
  statuses: Record<string, number>;
  /** vendor → error code (or `skipped`) → answers. */
  errors: Record<string, Record<string, number>>;
  /** "vendor code" → the first message seen. */
  errorSamples: Record<string, string>;
  /** vendor → sources[].mode → answers. */
  modes: Record<string, Record<string, number>>;
  /** Sum of sources[].calls of the mirrored vendors. */
  mirroredCallsFromSources: number;
  /** Sum of sources[].calls per vendor. */
  callsFromSources: Record<string, number>;
  /** Share of the mirrored vendors' sources[] entries with mode "mirror". */
  mirroredModeShare: number;
  /** Calls the simulators answered for callers (not the sync's) during the mix, per vendor. */
  liveCallsFromLogs: Record<string, number>;
  liveItemsFromLogs: Record<string, number>;
  p50: number;
  p90: number;
  /** Cursor follow-ups that could not be made (no nextCursor). */
  followUpsMissing: number;
}

export type SyncMetrics = Record<string, { calls: number; items: number; passes: Record<string, { count: number; seconds: number }> }>;

export interface DepthFigure {
  vendor: string;
  mirrorRows: number;
  depths: number[];
  /** Median of the rounds' p50s, by depth (0: the first page). */
  p50ByDepth: Record<string, number>;
  roundsP50: Record<string, number[]>;
  /** The depth the target is about (15,000). */
  depth: number;
  /** p50 at `depth` ÷ p50 at depth 0 (the first page). */
  ratio: number;
  /** p50 at `depth` ÷ p50 at depth 100 (the second page: a cursor page too). */
  ratioVsSecondPage: number;
  ratios: Record<string, number>;
  walk: { pages: number; seconds: number; pageMsMedian: number };
}

export interface BigSync {
  /** From the gateway's spawn to /vendors saying ready. */
  msToReady: number;
  rows: number;
  lastSync: PassRecord | null;
  calls: number;
  bytes: number;
  items: number;
  generatedMs: number;
  peakRssMbWhileSyncing: number;
  peakHeapMbWhileSyncing: number;
}

export interface MirrorResults {
  generatedAt: string;
  mode: string;
  machine: { cpus: number; node: string };
  runSeconds: number;
  setup: {
    latencyMs: number;
    sizes: Record<string, number>;
    bigSize: number;
    uncodieBudget: { perMinute: number; burst: number };
    connections: number;
    depthConnections: number;
    depthRounds: number;
    durationS: number;
    mixRounds: number;
    mix: string[];
    followUps: number;
    fresh: { every: string; superagentesReconcile: string };
  };
  mix: { off: MixResult; on: MixResult };
  calls: {
    requests: number;
    fromSources: number;
    perRequestFromSources: number;
    fromLogs: Record<string, number>;
    perRequestFromLogs: number;
    mirroredModeShare: number;
    firstPageUpstreams: string[];
  };
  firstPage: {
    off: { p50: number; rps: number; items: number; calls: number; mirroredCalls: number };
    on: { p50: number; rps: number; items: number; calls: number; mirroredCalls: number };
    floor: { p50: number; rps: number; upstreams: number };
    p50VsFloor: number;
    rpsVsFloor: number;
    offP50VsOn: number;
  };
  depth: { mirror: DepthFigure[]; big: DepthFigure & { sync: BigSync } };
  rss: {
    off: { rssMb: number; heapMb: number; p50: number; rps: number; errors: number };
    on: { rssMb: number; heapMb: number; p50: number; rps: number; errors: number };
    path: string;
    firstPage: {
      off: { rssMb: number; heapMb: number; p50: number; rps: number; errors: number };
      on: { rssMb: number; heapMb: number; p50: number; rps: number; errors: number };
      path: string;
    };
    connections: number;
  };
  sync: {
    backfill: Record<string, { wallMs: number; calls: number; items: number; bytes: number; output: string; passMs?: number; rows?: number }>;
    warming: {
      ready: boolean;
      msToReady: number | null;
      rows: number;
      pages: number;
      expectedMs: number;
      lastSync: PassRecord | null;
      elapsedMs?: number;
      extrapolatedMs?: number | null;
      whileWarming: { status: string; mode: string; calls: number; code: string | null } | null;
    };
    head: Record<string, { passes: number; callsMedian: number; durationMsMedian: number; itemsMedian: number }>;
    superagentesFull: { passes: number; durationMsMedian: number; calls: number; items: number; bytes: number };
    metrics: { on: SyncMetrics; fresh: SyncMetrics };
    passes: PassRecord[];
  };
  freshness: {
    inserts: Record<string, { trialsMs: number[]; maxMs: number; medianMs: number; targetMs: number }>;
    update: {
      vendor: string;
      trialsMs: number[];
      maxMs: number;
      medianMs: number;
      reconcileMs: number;
      fullReadMs: number;
      targetMs: number;
      fullReads: number;
      callsPerFullRead: number;
      bytesPerFullRead: number;
      itemsPerFullRead: number;
      bytesPerHourAtThisReconcile: number;
      bytesPerHourAtDefaultReconcile: number;
      headPassBytesMedian: number;
      gatewayCpuShareOfFullReads: number;
    };
  };
  rows: Measurement[];
  targets: MirrorTarget[];
}

/** `met: null`: reported without a target of its own. */
export interface MirrorTarget {
  figure: string;
  target: string;
  value: number;
  unit?: string;
  met: boolean | null;
}

export function evaluateMirrorTargets(m: Omit<MirrorResults, 'targets'>): MirrorTarget[] {
  const t = (figure: string, target: string, value: number, met: boolean | null, unit?: string): MirrorTarget => ({ figure, target, value, met, ...(unit ? { unit } : {}) });
  const out: MirrorTarget[] = [
    t('allSourcesOkShareOn', '= 100 %', round2(m.mix.on.allOkShare * 100), m.mix.on.allOkShare === 1, '%'),
    t('allSourcesOkShareOff', '— (the live path, for comparison)', round2(m.mix.off.allOkShare * 100), null, '%'),
    t('mirroredUpstreamCallsPerRequest (sources[])', '= 0', m.calls.perRequestFromSources, m.calls.perRequestFromSources === 0),
    t('mirroredUpstreamCallsPerRequest (simulator logs, sync excluded)', '= 0', m.calls.perRequestFromLogs, m.calls.perRequestFromLogs === 0),
    t('firstPageP50VsFloor (mirrors on)', '— (reported: what the mirrored vendors add)', m.firstPage.p50VsFloor, null),
    t('firstPageThroughputVsFloor (mirrors on)', '≥ 0.8 (the live bench\'s throughputVsFloor target)', m.firstPage.rpsVsFloor, m.firstPage.rpsVsFloor >= 0.8),
  ];
  for (const d of [...m.depth.mirror, m.depth.big]) {
    out.push(t(`depthRatio ${d.vendor} ${d.mirrorRows.toLocaleString('en')} rows (p50 at ${d.depth.toLocaleString('en')} ÷ at 0)`, '≤ 1.2', d.ratio, d.ratio <= 1.2));
  }
  out.push(t('rssMbUnder200Pages offset 1,000 (mirrors on)', '< 256', m.rss.on.rssMb, m.rss.on.rssMb < 256, 'MB'));
  out.push(t('rssMbUnder200Pages first page (mirrors on)', '< 256', m.rss.firstPage.on.rssMb, m.rss.firstPage.on.rssMb < 256, 'MB'));
  for (const [vendor, f] of Object.entries(m.freshness.inserts)) {
    out.push(t(`insertVisibleMs ${vendor} (slowest of ${f.trialsMs.length})`, `≤ every + 1 s (${fmt(f.targetMs, 0)} ms)`, f.maxMs, f.maxMs <= f.targetMs, 'ms'));
  }
  const u = m.freshness.update;
  out.push(t(`updateVisibleMs ${u.vendor} (slowest of ${u.trialsMs.length})`, `≤ reconcile + one full read + 1 s (${fmt(u.targetMs, 0)} ms)`, u.maxMs, u.maxMs <= u.targetMs, 'ms'));
  return out;
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const MIRRORED_NAMES = ['superagentes', 'uncodie'];
const mb = (bytes: number) =>
  Number.isNaN(bytes) ? '—' : bytes < 1024 ** 2 ? `${fmt(bytes / 1024, 1)} KB` : bytes < 1024 ** 3 ? `${fmt(bytes / 1024 ** 2, 1)} MB` : `${fmt(bytes / 1024 ** 3, 2)} GB`;
const seconds = (ms: number | null | undefined) =>
  ms === null || ms === undefined || Number.isNaN(ms) ? '—' : ms >= 120_000 ? `${fmt(ms / 60_000, 1)} min` : `${fmt(ms / 1000, 1)} s`;

function errorList(errors: Record<string, Record<string, number>>): string {
  const parts = Object.entries(errors).flatMap(([vendor, codes]) => Object.entries(codes).map(([code, n]) => `${vendor} \`${code}\` ×${n}`));
  return parts.length === 0 ? 'none' : parts.join(', ');
}

/** The hand-written analysis of the mirror figures (bench/MIRRORS-ANALYSIS.md), when there is one. */
function mirrorsAnalysis(): string[] {
  const file = fileURLToPath(new URL('./MIRRORS-ANALYSIS.md', import.meta.url));
  return existsSync(file) ? [readFileSync(file, 'utf8').trim(), ''] : [];
}

/** The "## Mirrors" section of BENCHMARKS.md. */
export function renderMirrors(m: MirrorResults): string {
  const s = m.setup;
  const off = m.mix.off;
  const on = m.mix.on;
  const fp = m.firstPage;
  const sizes = Object.entries(s.sizes).map(([k, v]) => `${k} ${v.toLocaleString('en')}`).join(', ');
  const bf = m.sync.backfill;
  const w = m.sync.warming;
  const big = m.depth.big;
  const u = m.freshness.update;
  const lines: string[] = [
    '## Mirrors',
    '',
    `Generated by \`npm run bench:mirrors\` (${m.mode} run${m.mode === 'quick' ? ': smaller data and shorter rows than the full run' : ''}) on ${m.generatedAt.slice(0, 10)}: ${m.machine.cpus} CPUs, Node ${m.machine.node}; the run took ${fmt(m.runSeconds / 60, 1)} min. ` +
      `The three seed simulators hold ${sizes} conversations and each answers after ${s.latencyMs} ms; Uncodie's outbound budget is its real one (${s.uncodieBudget.perMinute}/min, burst ${s.uncodieBudget.burst}) in every measured gateway. ` +
      `Warming Uncodie at that budget takes about ${seconds(w.expectedMs)} (${w.pages} pages), so its mirror, and Superagentes', were **backfilled as an operator would**: ` +
      '`switchboard mirror sync <vendor> --full` with `UNCODIE_RATE_PER_MINUTE` lifted, against the same simulator URLs and the same `DATA_DIR`, before the measured gateway started at the real budget. ' +
      `A separate gateway (own \`DATA_DIR\`) warmed Uncodie by itself at 20/min during the run, to measure that time for real (below).`,
    '',
    `Systems: **mirrors off** (\`MIRRORS=off\`: every vendor read live per request); **mirrors on** (\`MIRRORS=on\`, SQLite in a temporary \`DATA_DIR\`, the shipped sync intervals: head every 30 s, full read every 30 min / 5 min); ` +
      `**floor** (\`bench/floor.ts\` replaying the upstream requests the mirrors-on gateway made for its first page: ${m.calls.firstPageUpstreams.join(', ') || 'none'}); ` +
      `**every 5 s** (mirrors on with \`*_MIRROR_EVERY=${s.fresh.every}\` and \`SUPERAGENTES_MIRROR_RECONCILE=${s.fresh.superagentesReconcile}\`, for the freshness figures). ` +
      `The request mix is ${s.mix.length} first pages (${s.mix.map((p) => `\`${p.replace('/conversations?', '')}\``).join(', ')}), each followed by ${s.followUps} cursor pages, ${s.mixRounds} time${s.mixRounds > 1 ? 's' : ''}, one request at a time.`,
    '',
    '### Mirrors off vs on',
    '',
    '| | mirrors off | mirrors on |',
    '|---|---|---|',
    `| requests in the mix | ${off.requests} | ${on.requests} |`,
    `| answered with all three sources \`ok\` | ${off.allOk} (${fmt(off.allOkShare * 100, 1)} %) | ${on.allOk} (${fmt(on.allOkShare * 100, 1)} %) |`,
    `| HTTP statuses | ${Object.entries(off.statuses).map(([k, n]) => `${k} ×${n}`).join(', ')} | ${Object.entries(on.statuses).map(([k, n]) => `${k} ×${n}`).join(', ')} |`,
    `| vendor errors seen (vendor, code, answers) | ${errorList(off.errors)} | ${errorList(on.errors)} |`,
    `| cursor follow-ups not possible (no \`nextCursor\`) | ${off.followUpsMissing} | ${on.followUpsMissing} |`,
    `| mirrored vendors' upstream calls in the mix, sources[] | ${off.mirroredCallsFromSources} (${MIRRORED_NAMES.map((n) => `${n} ${off.callsFromSources[n] ?? 0}`).join(', ')}) | ${on.mirroredCallsFromSources} |`,
    `| … simulators' logs, sync calls excluded | ${Object.entries(off.liveCallsFromLogs).filter(([k]) => k !== 'siteassist').map(([k, n]) => `${k} ${n}`).join(', ')} | ${Object.entries(on.liveCallsFromLogs).filter(([k]) => k !== 'siteassist').map(([k, n]) => `${k} ${n}`).join(', ')} |`,
    `| mix latency p50 / p90, ms | ${fmt(off.p50)} / ${fmt(off.p90)} | ${fmt(on.p50)} / ${fmt(on.p90)} |`,
    `| first page \`limit=10\`, 1 connection: p50 ms | ${fmt(fp.off.p50)} | ${fmt(fp.on.p50)} (floor ${fmt(fp.floor.p50)}) |`,
    `| first page, ${s.connections} connections: req/s | ${fmt(fp.off.rps)} | ${fmt(fp.on.rps)} (floor ${fmt(fp.floor.rps)}) |`,
    `| first page: upstream calls / items (one request alone) | ${fmt(fp.off.calls)} / ${fmt(fp.off.items, 0)} | ${fmt(fp.on.calls)} / ${fmt(fp.on.items, 0)} |`,
    ...[m.rss.firstPage, m.rss].map((x) => `| peak RSS, ${m.rss.connections} concurrent \`${x.path.replace('/conversations?', '')}\` pages: MB (heap MB), p50 ms | ${fmt(x.off.rssMb)} (${fmt(x.off.heapMb)}), ${fmt(x.off.p50, 0)} | ${fmt(x.on.rssMb)} (${fmt(x.on.heapMb)}), ${fmt(x.on.p50, 0)} |`),
    '',
    'With mirrors off a 200 is still "partial": SiteAssist answers and the failed vendors are named in `sources[]`; the mirrors-off latencies are those of such answers. ' +
      (fp.off.mirroredCalls === 0
        ? `The mirrors-off load rows ran after the mix, when the mirrored vendors were no longer called at all (one request alone made ${fp.off.calls} upstream call, ${fmt(fp.off.items, 0)} items: SiteAssist's): their p50, req/s and memory are those of one-vendor pages with two vendors failing at once, not a like-for-like comparison with mirrors on.`
        : ''),
    '',
    `Errors seen with mirrors off, first message of each: ${Object.entries(off.errorSamples ?? {}).map(([k, msg]) => `${k.replace(' ', ' `')}\`: "${msg}"`).join('; ') || 'none'}.`,
    '',
    '### Targets',
    '',
    '| figure | target | measured | |',
    '|---|---|---|---|',
    ...m.targets.map((t) => `| \`${t.figure}\` | ${t.target} | ${fmt(t.value, 2)}${t.unit ? ` ${t.unit}` : ''} | ${t.met === null ? '—' : t.met ? 'met' : '**missed**'} |`),
    '',
    'How each is measured:',
    '',
    `- **All sources ok** (1): the same mix against both gateways; an answer counts when it is a 200 and all three \`sources[]\` entries are \`ok\`. Errors are counted per vendor and code from \`sources[]\` (and a problem's \`errors[]\`).`,
    `- **Upstream calls per request** (2), once warm: the mirrored vendors' \`sources[].calls\` summed over the mix ÷ its ${m.calls.requests} requests, and the calls the Uncodie and Superagentes simulators logged during the mix without the sync's own (\`x-request-id: mirror-sync-<vendor>\`) ÷ the same. ${fmt(m.calls.mirroredModeShare * 100, 1)} % of the mirrored vendors' entries said \`mode: "mirror"\`.`,
    `- **First page vs floor** (3): p50 with one connection and req/s with ${s.connections}, gateway (mirrors on) ÷ floor; the floor makes only the upstream call the gateway made (SiteAssist's), so the ratio is what reading two mirrors, merging and shaping the page add to a live fan-out of one vendor. ` +
      `The live path's figures for the same ratio are in the targets above (\`overheadP50\`, \`throughputVsFloor\`; other sizes). Mirrors off ÷ on, first-page p50: ${fmt(fp.offP50VsOn, 2)}.`,
    `- **Depth** (4): \`vendor=<v>&limit=100\` walked by \`nextCursor\` to depth ${big.depth.toLocaleString('en')}, then that cursor's page and the first page measured by turns (${s.depthConnections} connection${s.depthConnections === 1 ? '' : 's'}, ${s.depthRounds} rounds of each, the median of the rounds' p50s), with the second page (depth 100, also a cursor page) beside them to tell what any cursor costs from what depth costs. ` +
      [...m.depth.mirror, big].map((d) => `${d.vendor} ${d.mirrorRows.toLocaleString('en')}: p50 ${Object.entries(d.p50ByDepth).map(([k, v]) => `${Number(k).toLocaleString('en')} → ${fmt(v)} ms`).join(', ')}; depth ${d.depth.toLocaleString('en')} ÷ depth 100 = ${fmt(d.ratioVsSecondPage, 2)} (walk: ${d.walk.pages} pages in ${fmt(d.walk.seconds)} s)`).join('; ') + '.',
    `- **${big.mirrorRows.toLocaleString('en')}-row mirror** (4): a Superagentes simulator with ${big.mirrorRows.toLocaleString('en')} conversations, a gateway with mirrors on and an empty \`DATA_DIR\`: its sync filled the mirror in ${seconds(big.sync.lastSync?.durationMs)} (${big.sync.lastSync?.calls ?? '—'} call, ${mb(big.sync.bytes)} read, ${fmt(big.sync.lastSync?.items ?? 0, 0)} items), ready ${seconds(big.sync.msToReady)} after the gateway was spawned; the gateway's RSS peaked at ${fmt(big.sync.peakRssMbWhileSyncing)} MB while it synced.`,
    `- **RSS** (5): highest gateway RSS sampled every 250 ms under ${m.rss.connections} connections for ${fmt(s.durationS)} s, of \`${m.rss.path}\` (the live bench's memory scenario) and of first pages.`,
    `- **Sync cost** (6): the backfill's passes, the warming gateway's full read at the real budget, and every head pass the gateways reported in \`/vendors\` \`lastSync\` (polled every 500 ms) — table below.`,
    `- **Freshness** (7): a conversation created now is added to a simulator's data; the every-5-s gateway's first page \`orderBy=createdAt&limit=20\` is polled every 100 ms until it shows it. For an update, an existing Superagentes conversation gets a new title and \`updatedAt\`; \`vendor=superagentes&orderBy=updatedAt\` is polled until it shows it. Each trial starts at a random moment.`,
    '',
    '### Sync cost per cycle',
    '',
    '| vendor | pass | where | calls | items | bytes read | time |',
    '|---|---|---|---|---|---|---|',
    ...Object.entries(bf).map(([vendor, b]) => `| ${vendor} | full (backfill) | CLI, budget lifted | ${b.calls} | ${fmt(b.items, 0)} | ${mb(b.bytes)} | ${seconds(b.passMs ?? null)} pass, ${seconds(b.wallMs)} with the CLI's start |`),
    `| uncodie | full (warming) | gateway, real budget (${s.uncodieBudget.perMinute}/min) | ${w.lastSync?.kind === 'full' ? w.lastSync.calls : '—'} | ${w.rows.toLocaleString('en')} | — | ${w.ready ? `${seconds(w.msToReady)} from the gateway's start` : `not ready after ${seconds(w.elapsedMs ?? null)}: ${w.rows.toLocaleString('en')} rows; extrapolated ${seconds(w.extrapolatedMs ?? null)}`} (expected ≈ ${seconds(w.expectedMs)}) |`,
    `| superagentes | full (reconcile) | every-5-s gateway | ${m.sync.superagentesFull.calls} | ${fmt(m.sync.superagentesFull.items, 0)} | ${mb(m.sync.superagentesFull.bytes)} | ${seconds(m.sync.superagentesFull.durationMsMedian)} (mean of ${m.sync.superagentesFull.passes}, \`/metrics\`) |`,
    ...Object.entries(m.sync.head).map(([vendor, h]) => `| ${vendor} | head | gateways, median of ${h.passes} | ${fmt(h.callsMedian)} | ${fmt(h.itemsMedian, 0)} | ${vendor === 'superagentes' ? mb(u.headPassBytesMedian) : '—'} | ${fmt(h.durationMsMedian)} ms |`),
    '',
    `\`/metrics\` agrees: ${Object.entries(m.sync.metrics.fresh).map(([vendor, x]) => `${vendor} ${Object.entries(x.passes).map(([k, p]) => `${p.count} ${k} pass${p.count === 1 ? '' : 'es'} in ${fmt(p.seconds, 1)} s`).join(', ')}, ${x.calls} calls`).join('; ')} (every-5-s gateway).` +
      (w.whileWarming ? ` While warming, a page on the warming gateway read Uncodie live: \`mode: "${w.whileWarming.mode}"\`, \`${w.whileWarming.status}\`${w.whileWarming.code ? ` \`${w.whileWarming.code}\`` : ''}, ${w.whileWarming.calls} call(s).` : ''),
    '',
    '### Freshness',
    '',
    '| change | vendor | trials, ms | slowest | target |',
    '|---|---|---|---|---|',
    ...Object.entries(m.freshness.inserts).map(([vendor, f]) => `| insert (new conversation) | ${vendor} | ${f.trialsMs.map((x) => fmt(x, 0)).join(', ')} | ${fmt(f.maxMs, 0)} ms | ≤ ${fmt(f.targetMs, 0)} ms (every \`${s.fresh.every}\` + 1 s): ${f.maxMs <= f.targetMs ? 'met' : '**missed**'} |`),
    `| update (existing conversation) | ${u.vendor} | ${u.trialsMs.map((x) => fmt(x, 0)).join(', ')} | ${fmt(u.maxMs, 0)} ms | ≤ ${fmt(u.targetMs, 0)} ms (reconcile \`${s.fresh.superagentesReconcile}\` + a full read of ${seconds(u.fullReadMs)} + 1 s): ${u.maxMs <= u.targetMs ? 'met' : '**missed**'} |`,
    '',
    `The price of that update latency: a head pass only asks for new conversations, so an update waits for the next full read, and every full read of Superagentes is one call of ${mb(u.bytesPerFullRead)} (${fmt(u.itemsPerFullRead, 0)} conversations with their messages) taking ${seconds(u.fullReadMs)} of the gateway's time. ` +
      `At a \`${s.fresh.superagentesReconcile}\` reconcile that is ${mb(u.bytesPerHourAtThisReconcile)} an hour and a full read for ${fmt(u.gatewayCpuShareOfFullReads * 100, 0)} % of the wall clock; at the shipped 5 min, ${mb(u.bytesPerHourAtDefaultReconcile)} an hour, with updates up to 5 min late. A head pass costs ${mb(u.headPassBytesMedian)}.`,
    '',
    '### Rows',
    '',
    scenarioTable({ id: 'mirrors', title: 'Every measured row of the mirrors run', rows: m.rows }, Object.keys(s.sizes)).replace(/^### .*\n\n/, ''),
    '',
    ...mirrorsAnalysis(),
  ];
  return lines.join('\n');
}

/** BENCHMARKS.md with its Mirrors section replaced (or added before "Reading these numbers"). */
export function spliceMirrors(md: string, section: string): string {
  const body = section.trimEnd() + '\n';
  const start = md.search(/^## Mirrors$/m);
  if (start >= 0) {
    const rest = md.slice(start + 1);
    const next = rest.search(/^## /m);
    return md.slice(0, start) + body + (next >= 0 ? '\n' + rest.slice(next) : '');
  }
  const at = md.search(/^## Reading these numbers$/m);
  return at >= 0 ? md.slice(0, at) + body + '\n' + md.slice(at) : md.trimEnd() + '\n\n' + body;
}
