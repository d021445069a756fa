/** `switchboard config check [dir]`: everything the gateway checks at start, without starting it. */
import { join } from 'node:path';
import { ConfigError, formatProblem } from '../config/load.js';
import { simulatorMode } from '../config/simulators.js';
import { parseCommand, UsageError, type CliContext, type ExitCode } from './context.js';
import { loadToolingConfig } from './tooling-config.js';

export const CONFIG_HELP = `Usage: switchboard config check [dir]

Loads gateway.yaml and vendors/*.yaml from dir (default: CONFIG_DIR or ./config) as the gateway does at
start: YAML syntax, \${VAR} references, the schema of each file, each vendor's dialect, and the inbound
clients. Prints each problem as file:line: path: message, or "ok: N vendors (names)".

A vendor whose baseUrl is empty is fine when it is disabled, or when an embedded simulator would serve it:
it names one, and either no enabled vendor has a base URL (SIMULATORS=auto) or SIMULATORS=on; never with
SIMULATORS=off or NODE_ENV=production. A vendor with a base URL must have its credentials set: a default
meant for the simulator (\${X_TOKEN:-demo-…}, or an empty X_TOKEN) is a problem naming the variable.

A vendor file may extend another (extends: <name>.yaml: a second account of the same vendor); a problem in
a value it inherits names the file and line the value was written at.

Options:
  -h, --help  this help

Exit: 0 valid; 1 problems found.`;

export async function configCommand(args: readonly string[], ctx: CliContext): Promise<ExitCode> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') return (ctx.out(CONFIG_HELP), sub === undefined ? 2 : 0);
  if (sub !== 'check') throw new UsageError(`unknown config command: ${sub} (known: check)`);
  const { values, positionals } = parseCommand(rest, {}, 1);
  if (values.help) return (ctx.out(CONFIG_HELP), 0);
  const dir = positionals[0] ?? ctx.vars.CONFIG_DIR;
  try {
    const { vendors } = await loadToolingConfig(dir, ctx.env, { simulators: simulatorMode(ctx.vars) });
    const names = vendors.map((v) => (v.enabled ? v.name : `${v.name} (disabled)`));
    ctx.out(`ok: ${vendors.length} vendor${vendors.length === 1 ? '' : 's'} (${names.join(', ')})`);
    return 0;
  } catch (e) {
    return printConfigError(e, dir, ctx);
  }
}

/** A ConfigError as one `file:line: path: message` line per problem (files relative to the working folder). */
export function printConfigError(e: unknown, dir: string, ctx: CliContext): 1 {
  if (!(e instanceof ConfigError)) throw e;
  for (const p of e.problems) ctx.err(formatProblem({ ...p, file: join(dir, p.file) }).trim());
  return 1;
}
