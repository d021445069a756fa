/**
 * `switchboard explain "<query>"`: what the gateway would do with a query, vendor by vendor, without
 * calling anyone: the plan (pushed and local filters, order, lazy or whole read) and the first request
 * each vendor would get.
 */
import { explainVendorPlan, type ExplainedPlan } from '../conversations/list.js';
import { simulatorMode } from '../config/simulators.js';
import { firstPageSize, lazyWant } from '../sources/index.js';
import type { CompiledVendor } from '../dialect/vendor.js';
import type { Query } from '../model/query.js';
import { planQuery, type VendorPlan } from '../plan/plan.js';
import { parseCommand, UsageError, type CliContext, type ExitCode } from './context.js';
import { parseQueryString } from './query.js';
import { loadToolingConfig, type ToolingConfig } from './tooling-config.js';
import { printConfigError } from './check.js';

export const EXPLAIN_HELP = `Usage: switchboard explain [options] "<query string>"

Plans a GET /conversations query against the config and prints, per vendor, what the gateway would do:
fetch, skip or nothing to fetch (and why), which filters are pushed to the vendor and which are checked
here, which parameter carries which filter (\`filter_resolved ← status=closed\`, or a filter's whenAbsent:
\`status ← status (absent: all)\`), whether the vendor orders for us (read lazily) or is read whole, and
the first request it would get. Nothing is called. Values of the vendors' fixed parameters are shown as …
(they may be secrets).

  e.g. switchboard explain "status=open&orderBy=createdAt&limit=20"

Options:
  --config <dir>  config folder (default: CONFIG_DIR or ./config)
  --json          print the plan as JSON
  -h, --help      this help

Exit: 0 planned; 1 invalid config; 2 invalid query (each parameter and why, as the API's invalidParams).`;

/** The first request of one vendor, as it would be sent (fixed parameters' values hidden). */
export interface FirstRequest {
  method: 'GET';
  /** Origin and path; no origin when an embedded simulator would serve the vendor. */
  url: string;
  /** The query string, fixed parameters' values shown as `…`. */
  query: string;
  /** Items asked for. */
  size: number | null;
}

/** `orderParams`: what asks the vendor for the order (shown: names and values the config spells, no secret). */
export type ExplainedVendor = ExplainedPlan & { firstRequest?: FirstRequest; mirrored?: string; orderParams?: readonly [string, string][] };

export async function explainCommand(args: readonly string[], ctx: CliContext): Promise<ExitCode> {
  const { values, positionals } = parseCommand(args, { config: { type: 'string' }, json: { type: 'boolean' } }, 1);
  if (values.help) return (ctx.out(EXPLAIN_HELP), 0);
  const qs = positionals[0];
  if (qs === undefined) throw new UsageError('give the query string, e.g. switchboard explain "status=open&limit=5"');

  const dir = values.config ?? ctx.vars.CONFIG_DIR;
  let tooling: ToolingConfig;
  try {
    tooling = await loadToolingConfig(dir, ctx.env, { simulators: simulatorMode(ctx.vars) });
  } catch (e) {
    return printConfigError(e, dir, ctx);
  }
  const enabled = tooling.vendors.filter((v) => v.enabled);
  const parsed = parseQueryString(qs, tooling.config.gateway, enabled.map((v) => v.name));
  if (!parsed.ok) return printInvalid(parsed.invalid, ctx);
  const q = parsed.query;
  const included = q.vendors.length > 0 ? tooling.vendors.filter((v) => q.vendors.includes(v.name)) : enabled;
  const plan = planQuery(q, included);
  if (plan.invalid.length > 0) return printInvalid(plan.invalid, ctx);

  const byName = new Map(included.map((v) => [v.name, v]));
  // The plan once each mirror is warm: which vendors the query would then be read from a local copy for.
  const warm = planQuery(q, included, new Map(included.filter((v) => v.mirror?.enabled).map((v) => [v.name, { ready: true, messages: v.mirror!.holdsMessages, raw: v.mirror!.keepRaw, serve: v.mirror!.serve }])));
  const explained = plan.vendors.map((p, i) => {
    const e = explainVendor(p, byName.get(p.vendor)!, q, tooling.placeholders.has(p.vendor));
    const m = byName.get(p.vendor)!.mirror;
    const w = warm.vendors[i]!;
    if (!m?.enabled || p.action !== 'fetch') return e;
    return { ...e, mirrored: w.mode === 'mirror' ? `read from its mirror once warm (${m.describe}); as below while it warms` : `mirrored (${m.describe}), but this query is read live${w.mirrorNote ? `: ${w.mirrorNote}` : ' (the vendor orders for it)'}` };
  });
  if (values.json) ctx.out(JSON.stringify({ query: describeQuery(q), vendors: explained }, null, 2));
  else for (const line of formatExplained(q, explained)) ctx.out(line);
  return 0;
}

export function printInvalid(invalid: readonly { name: string; reason: string }[], ctx: CliContext): 2 {
  ctx.err('invalid query:');
  for (const p of invalid) ctx.err(`  ${p.name}: ${p.reason}`);
  return 2;
}

export function explainVendor(p: VendorPlan, v: CompiledVendor, q: Query, placeholder: boolean): ExplainedVendor {
  return {
    ...explainVendorPlan(p),
    ...(p.orderParams?.length ? { orderParams: p.orderParams } : {}),
    ...(p.action === 'fetch' ? { firstRequest: firstRequest(p, v, q, placeholder) } : {}),
  };
}

/** How many items the first call asks for, by the fan-out's own rules. */
export function firstCallSize(p: VendorPlan, v: CompiledVendor, q: Query): number {
  if (p.mode === 'whole') return v.paging.maxPageSize;
  return firstPageSize(v.paging, lazyWant(q), p.local.some((n) => !p.pushed.includes(n)));
}

export function firstRequest(p: VendorPlan, v: CompiledVendor, q: Query, placeholder: boolean): FirstRequest {
  const size = firstCallSize(p, v, q);
  const req = v.buildRequest(p.params, v.paging.first(), size);
  const hidden = new Set(v.fixedParams({ messages: false }).map(([name]) => name));
  const query = [...new URLSearchParams(req.query)]
    .map(([k, val]) => `${encodeURIComponent(k)}=${hidden.has(k) ? '…' : encodeURIComponent(val)}`)
    .join('&');
  return { method: 'GET', url: `${placeholder ? '' : v.origin}${req.path}`, query, size: Number.isFinite(size) ? size : null };
}

/** Who sorts, and what asks the vendor to: its natural order needs nothing sent. */
function orderLine(e: ExplainedVendor, q: Query): string {
  const order = `${q.orderBy} ${q.orderDir}`;
  if (e.order === 'natural') return `natural (the vendor answers in ${order} unasked: no order parameter sent)`;
  if (e.order !== 'pushed') return 'local (sorted here)';
  const sent = e.orderParams?.map(([k, val]) => `${k}=${val}`).join('&');
  return `pushed (the vendor sorts by ${order}${sent ? `: ${sent}` : ''})`;
}

/**
 * Names a request would send twice. The loader refuses the configs that would (src/config/param-collisions.ts);
 * this says so where the author looks, should one get past it.
 */
export function repeatedParams(query: string): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const [name] of new URLSearchParams(query)) (seen.has(name) ? repeated : seen).add(name);
  return [...repeated];
}

function describeQuery(q: Query) {
  const { vendors, filters, orderBy, orderDir, include, strict, limit, offset } = q;
  return { vendors, filters, orderBy, orderDir, include, strict, limit, offset };
}

export function formatExplained(q: Query, vendors: readonly ExplainedVendor[]): string[] {
  const filters = Object.entries(q.filters).map(([k, v]) => `${k}=${typeof v === 'number' ? new Date(v).toISOString() : v}`);
  const lines = [
    `query: ${[...filters, `orderBy=${q.orderBy} ${q.orderDir}`, `limit=${q.limit}`, `offset=${q.offset}`, ...(q.include.length ? [`include=${q.include.join(',')}`] : [])].join(' ')}`,
  ];
  const list = (names: readonly string[]) => (names.length > 0 ? names.join(', ') : 'none');
  for (const e of vendors) {
    lines.push('');
    if (e.action !== 'fetch') {
      lines.push(`${e.vendor}: ${e.action === 'skip' ? 'skipped' : 'not called (no match possible)'} — ${e.reason ?? ''}`);
      continue;
    }
    lines.push(`${e.vendor}: fetch`);
    if (e.mirrored) lines.push(`  mirror   ${e.mirrored}`);
    const local = e.localFilters.map((n) => (e.pushedFilters.includes(n) ? `${n} (again)` : n));
    lines.push(`  filters  pushed: ${list(e.pushedFilters)}; checked here: ${list(local)}`);
    if (e.filterParams.length > 0) lines.push(`  params   ${e.filterParams.join('; ')}`);
    lines.push(`  order    ${orderLine(e, q)}`);
    const total = e.read === 'whole' ? 'counted here' : e.totalFromVendor ? "the vendor's" : 'counted here once read to the end, else unknown';
    lines.push(`  read     ${e.read === 'lazy' ? 'lazy (only as deep as the page needs)' : 'whole (every match, up to maxItems)'}; total: ${total}`);
    const r = e.firstRequest;
    if (r) lines.push(`  first    ${r.method} ${r.url}${r.query ? `?${r.query}` : ''}${r.url.startsWith('/') ? '  (base URL unset: an embedded simulator would answer)' : ''}`);
    for (const name of repeatedParams(r?.query ?? '')) lines.push(`  warning  ${name} is sent more than once: which value the vendor honours is its own choice`);
  }
  return lines;
}
