/**
 * The depth chart: p50 latency and upstream items per response against page depth, gateway vs naive
 * (plus the gateway's cursor page at depth 10,000), drawn by Vega-Lite and rendered to SVG headless.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { Results } from './report.js';

interface Point {
  depth: string;
  system: string;
  p50: number;
  items: number;
}

export function depthPoints(r: Results): Point[] {
  const points: Point[] = [];
  const label = (n: number) => n.toLocaleString('en');
  const add = (id: string, depth: number, pick: (system: string) => boolean, as: (system: string) => string) => {
    for (const m of r.scenarios.find((s) => s.id === id)?.rows ?? []) {
      if (pick(m.system)) points.push({ depth: label(depth), system: as(m.system), p50: m.p50, items: m.itemsPerResponse });
    }
  };
  const offsetRow = (s: string) => s === 'gateway' || s === 'naive';
  for (const d of [0, 100, 1_000, 10_000]) add(`offset-${d}`, d, offsetRow, (s) => `${s} (offset)`);
  add('cursor-10k', 10_000, (s) => s === 'gateway', () => 'gateway (cursor)');
  return points;
}

export async function renderChart(r: Results): Promise<string> {
  const values = depthPoints(r);
  const depths = ['0', '100', '1,000', '10,000'];
  const panel = (field: 'p50' | 'items', title: string) => ({
    width: 320,
    height: 240,
    mark: { type: 'line' as const, point: { size: 60 } },
    encoding: {
      x: { field: 'depth', type: 'ordinal' as const, sort: depths, title: 'page depth (items skipped)', axis: { labelAngle: 0 } },
      y: { field, type: 'quantitative' as const, scale: { type: 'log' as const }, title },
      color: { field: 'system', type: 'nominal' as const, title: null },
      shape: { field: 'system', type: 'nominal' as const, title: null },
    },
  });
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: 'Switchboard vs a naive aggregator: cost of one page by depth',
      subtitle: `limit ${r.setup.limit}, ${r.setup.depthConnections} connections, vendors answering in ${r.setup.latencyMs} ms; the naive aggregator reads every vendor whole at any depth`,
      anchor: 'start',
    },
    background: 'white',
    data: { values },
    hconcat: [panel('p50', 'p50 latency (ms, log)'), panel('items', 'upstream items per response (log)')],
    config: { legend: { orient: 'bottom' } },
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}
