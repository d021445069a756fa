/**
 * `switchboard probe <vendor>`: one real call to a vendor (its first page for a query) and a report on how
 * well the answer fits the vendor's YAML: status, item count, total, and per unified field how many items
 * had it, lacked it or had a value that can't be mapped; items the mapper drops; an error answer as the
 * gateway would report it.
 */
import { pageSizeFor } from '../dialect/paging.js';
import { randomUUID } from 'node:crypto';
import type { RawResponse } from '../dialect/errors.js';
import type { CompiledVendor } from '../dialect/vendor.js';
import type { VendorFailure } from '../errors/gateway-error.js';
import { planQuery } from '../plan/plan.js';
import { createTransport, UpstreamError } from '../upstream/client.js';
import { printConfigError } from './check.js';
import { parseCommand, UsageError, type CliContext, type ExitCode } from './context.js';
import { firstCallSize, firstRequest, printInvalid, type FirstRequest } from './explain.js';
import { mappingReport, type MappingReport } from './field-report.js';
import { parseQueryString } from './query.js';
import { compileToolingConfig } from './tooling-config.js';
import { openVendorTarget } from './vendor-target.js';

export const PROBE_HELP = `Usage: switchboard probe [options] <vendor>

Calls the vendor once — the first page the gateway would ask for — and reports the HTTP status, the
number of items and the total, then for each unified field in response.fields how many items had it,
lacked it (absent or null) or had a value it can't be mapped from (a timestamp that doesn't parse, a
status the map doesn't know…), and the items the mapper drops. An error answer is shown as the gateway
would report it (its unified code, the vendor's status, code and message).

When the vendor's base URL is empty and it names an embedded simulator, that simulator answers (unless
SIMULATORS=off; SIM_SEED, SIM_COUNT and SIM_FAULTS apply).

Options:
  --query <qs>    the GET /conversations query to probe with, e.g. "status=open&orderBy=createdAt"
  --config <dir>  config folder (default: CONFIG_DIR or ./config)
  --json          print the report as JSON
  -h, --help      this help

Exit: 0 the vendor answered with a list; 1 it failed (or the config is invalid); 2 wrong command line or
a query that can't be sent to this vendor.`;

export interface ProbeResult {
  vendor: string;
  request: FirstRequest;
  /** Whether an embedded simulator answered. */
  simulator: boolean;
  status: number | null;
  latencyMs: number;
  error?: VendorFailure;
  page?: { items: number; total: number | null; morePages: boolean } & MappingReport;
}

export async function probeCommand(args: readonly string[], ctx: CliContext): Promise<ExitCode> {
  const { values, positionals } = parseCommand(args, { query: { type: 'string' }, config: { type: 'string' }, json: { type: 'boolean' } }, 1);
  if (values.help) return (ctx.out(PROBE_HELP), 0);
  const name = positionals[0];
  if (name === undefined) throw new UsageError('name the vendor to probe, e.g. switchboard probe acme');
  const dir = values.config ?? ctx.vars.CONFIG_DIR;

  const target = await openVendorTarget(name, dir, ctx);
  if (typeof target === 'number') return target;
  const { config, vendor: v, sim } = target;
  try {
    let compiled: CompiledVendor;
    try {
      compiled = compileToolingConfig(config, { simulators: target.simulators }).vendors.find((x) => x.name === name)!;
    } catch (e) {
      return printConfigError(e, dir, ctx);
    }

    const parsed = parseQueryString(values.query ?? '', config.gateway, [name]);
    if (!parsed.ok) return printInvalid(parsed.invalid, ctx);
    const q = parsed.query;
    const plan = planQuery(q, [compiled]);
    if (plan.invalid.length > 0) return printInvalid(plan.invalid, ctx);
    const p = plan.vendors[0]!;
    if (p.action !== 'fetch') {
      ctx.err(`${name}: nothing to call for this query: ${p.reason ?? p.action}`);
      return 2;
    }

    const size = firstCallSize(p, compiled, q);
    const token = compiled.paging.first();
    const result = await callOnce(compiled, compiled.buildRequest(p.params, token, size));
    const report: ProbeResult = { vendor: name, request: firstRequest(p, compiled, q, false), simulator: sim !== undefined, status: result.res?.status ?? null, latencyMs: result.ms };
    if (result.failure) report.error = result.failure;
    else {
      const res = result.res!;
      const page = res.status >= 200 && res.status <= 299 ? compiled.readPage(res) : compiled.mapError(res);
      if ('items' in page) {
        const morePages = compiled.paging.next(token, pageSizeFor(compiled.paging, size), page.facts) !== undefined;
        const opts = { messages: q.include.includes('messages'), raw: q.include.includes('raw') };
        report.page = { total: page.facts.total, morePages, ...mappingReport(v.response.fields, compiled.mapItem, page.items, opts) };
      } else report.error = page;
    }
    if (values.json) ctx.out(JSON.stringify(report, null, 2));
    else for (const line of formatProbe(report)) ctx.out(line);
    return report.error ? 1 : 0;
  } finally {
    await target.close();
  }
}

async function callOnce(v: CompiledVendor, req: { path: string; query: string }): Promise<{ res?: RawResponse; failure?: VendorFailure; ms: number }> {
  const transport = createTransport();
  const signal = AbortSignal.timeout(v.timeoutMs);
  const started = performance.now();
  try {
    const res = await transport.get(v, req, {
      signal,
      deadline: Date.now() + v.timeoutMs,
      timedOut: () => signal.aborted,
      timeoutMs: v.timeoutMs,
      requestId: `probe-${randomUUID()}`,
    });
    return { res, ms: Math.round(performance.now() - started) };
  } catch (e) {
    if (!(e instanceof UpstreamError)) throw e;
    return { failure: e.failure, ms: Math.round(performance.now() - started) };
  } finally {
    await transport.close();
  }
}

const show = (v: unknown): string => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
};

export function formatProbe(r: ProbeResult): string[] {
  const lines = [`${r.request.method} ${r.request.url}${r.request.query ? `?${r.request.query}` : ''}${r.simulator ? '  (embedded simulator)' : ''}`];
  lines.push(r.status === null ? `no HTTP answer after ${r.latencyMs} ms` : `HTTP ${r.status} in ${r.latencyMs} ms`);
  if (r.error) {
    const e = r.error;
    lines.push(`error ${e.code} (gateway status ${e.status}): ${e.message}`);
    lines.push(`  vendor status ${e.upstreamStatus ?? '-'}, vendor code ${e.upstreamCode ?? '-'}, retry after ${e.retryAfter ?? '-'} s`);
    return lines;
  }
  const page = r.page!;
  lines.push(`items ${page.items}, total ${page.total ?? 'not given'}, more pages ${page.morePages ? 'yes' : 'no'}`);
  lines.push(`mapped ${page.mapped}, dropped ${page.items - page.mapped}`);
  for (const d of page.dropped) {
    const where = d.fields?.map((f) => `${f.field} ${show(f.example)}`).join(', ');
    lines.push(`  dropped ${d.count}: ${d.reason}${where ? ` (${where})` : ''}`);
  }
  lines.push('', `${'field'.padEnd(24)}${'present'.padStart(8)}${'missing'.padStart(9)}${'invalid'.padStart(9)}`);
  for (const f of page.fields) {
    if (f.source === 'skipped') {
      lines.push(`${f.field.padEnd(24)}  ${f.note ?? 'not read'}`);
      continue;
    }
    const counts = `${String(f.present).padStart(8)}${String(f.missing).padStart(9)}${String(f.invalid).padStart(9)}`;
    const notes = [f.source === 'const' ? 'const' : '', f.example !== undefined ? `e.g. ${show(f.example)}` : ''].filter(Boolean).join('; ');
    lines.push(`${f.field.padEnd(24)}${counts}${notes ? `  ${notes}` : ''}`);
  }
  return lines;
}
