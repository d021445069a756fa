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
  const file = fileURLToPath(new URL('./ANALYSIS.md', import.meta.url));
  return existsSync(file) ? [readFileSync(file, 'utf8').trim(), ''] : [];
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
