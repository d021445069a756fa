/**
 * `switchboard verify <vendor>`: proves a vendor's YAML against the vendor itself (src/verify): one whole
 * read, then every claim of the config checked against local evaluation of it. Against the vendor's base
 * URL, or its embedded simulator when the base URL is empty.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { compileVendors } from '../config/compile.js';
import { ConfigError, formatProblem } from '../config/load.js';
import type { CompiledVendor } from '../dialect/vendor.js';
import { systemClock } from '../state/clock.js';
import { memoryStore } from '../state/store.js';
import { createUpstream } from '../upstream/index.js';
import { formatVerify } from '../verify/report.js';
import { verifyVendor } from '../verify/verify.js';
import { printConfigError } from './check.js';
import { parseCommand, UsageError, type CliContext, type ExitCode } from './context.js';
import { compileToolingConfig } from './tooling-config.js';
import { openVendorTarget } from './vendor-target.js';

export const VERIFY_HELP = `Usage: switchboard verify [options] <vendor>

Proves the vendor's YAML against the vendor: reads it whole once (no filter, at most its maxItems), then
checks every capability the config claims against local evaluation of that read, with the gateway's own
filter and order rules:
  filter <name>=<value>  each pushed filter: every value of a values map, for free filters the most
                         telling value of the data (a median instant for times); exact filters must
                         answer exactly the local matches, exact: false a superset, recheck: false
                         (the vendor searches what we can't see) must hold every local match
  filter <name>=<unlisted>  a values map leaving values out: no conversation has one
  total <name>=<value>   the vendor's total for an exact pushed filter is the local count
  order <field> <dir>    each pushed order, read to the end: monotone (nulls last), the same set
  paging                 read again with small pages: the same set, nothing twice
  total                  response.total is the count of the whole read
  cursor                 a cursor walk ends, and resumed from a middle cursor gives the same rest
  detail                 one conversation read by id maps equal to its list row
Each is verified, differs (with the first differing ids) or can't check (with why). Calls go through
the gateway's upstream path (timeouts, retries, the vendor's rate limit, waited out when short).

When the vendor's base URL is empty and it names an embedded simulator, that simulator answers (unless
SIMULATORS=off; SIM_SEED, SIM_COUNT and SIM_FAULTS apply).

Options:
  --config <dir>  config folder (default: CONFIG_DIR or ./config)
  --json          print the report as JSON
  -h, --help      this help

Exit: 0 nothing differs; 1 a claim differs (or the config is invalid); 2 wrong command line; 3 the vendor
can't be read at all.`;

export async function verifyCommand(args: readonly string[], ctx: CliContext): Promise<ExitCode> {
  const { values, positionals } = parseCommand(args, { config: { type: 'string' }, json: { type: 'boolean' } }, 1);
  if (values.help) return (ctx.out(VERIFY_HELP), 0);
  const name = positionals[0];
  if (name === undefined) throw new UsageError('name the vendor to verify, e.g. switchboard verify acme');
  const dir = values.config ?? ctx.vars.CONFIG_DIR;

  const target = await openVendorTarget(name, dir, ctx);
  if (typeof target === 'number') return target;
  const { config, vendor: v, sim } = target;
  const upstream = createUpstream({ store: memoryStore(), clock: systemClock });
  try {
    let compiled: CompiledVendor;
    try {
      compiled = compileToolingConfig(config, { simulators: target.simulators }).vendors.find((x) => x.name === name)!;
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      const file = `vendors/${name}.yaml`;
      if (e.problems.some((p) => p.file === file)) return printConfigError(new ConfigError(e.problems.filter((p) => p.file === file)), dir, ctx);
      // Another file's problem (a vendor without its URL, say) doesn't stop this one from being proven: named, then on.
      for (const p of e.problems) ctx.err(`note: not this vendor's: ${formatProblem({ ...p, file: join(dir, p.file) }).trim()}`);
      compiled = compileVendors({ gateway: config.gateway, vendors: [v] })[0]!;
    }
    // Below the cache: a verify run asks the vendor itself every time (a resumed cursor must reach it).
    const report = await verifyVendor(compiled, { total: v.response.total !== undefined }, {
      upstream: upstream.direct,
      clock: systemClock,
      requestId: `verify-${randomUUID()}`,
      simulator: sim !== undefined,
    });
    if (values.json) ctx.out(JSON.stringify(report, null, 2));
    else for (const line of formatVerify(report)) ctx.out(line);
    if (report.unreadable) return 3;
    return report.summary.differs > 0 ? 1 : 0;
  } finally {
    await upstream.close();
    await target.close();
  }
}
