/** `switchboard schema [dir]`: writes (or with --check, compares) the config files' JSON Schemas. */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseCommand, type CliContext, type ExitCode } from './context.js';
import { schemaFiles } from './json-schema.js';

export const SCHEMA_HELP = `Usage: switchboard schema [options] [dir]

Writes vendor.schema.json and gateway.schema.json into dir (default: CONFIG_DIR or ./config), generated
from the zod schemas the gateway validates its config with. Editors that speak yaml-language-server use
them through each YAML's first line, e.g.
  # yaml-language-server: $schema=../vendor.schema.json
Values written as \${VAR} or \${VAR:-default} are accepted wherever a number, boolean or checked string is.

Options:
  --check     write nothing; exit 1 if a file differs from what would be written
  -h, --help  this help`;

export async function schemaCommand(args: readonly string[], ctx: CliContext): Promise<ExitCode> {
  const { values, positionals } = parseCommand(args, { check: { type: 'boolean' } }, 1);
  if (values.help) return (ctx.out(SCHEMA_HELP), 0);
  const dir = positionals[0] ?? ctx.vars.CONFIG_DIR;
  let stale = 0;
  for (const [name, text] of Object.entries(schemaFiles())) {
    const file = join(dir, name);
    const current = await readFile(file, 'utf8').catch(() => null);
    if (current === text) {
      ctx.out(`up to date: ${file}`);
    } else if (values.check) {
      stale++;
      ctx.err(`${current === null ? 'missing' : 'out of date'}: ${file} (run switchboard schema)`);
    } else {
      await writeFile(file, text);
      ctx.out(`wrote ${file}`);
    }
  }
  return stale > 0 ? 1 : 0;
}
