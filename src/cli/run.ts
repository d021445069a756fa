/** The CLI's commands by name, and what to do with a command line. */
import type { Env } from '../config/interpolate.js';
import { readEnv } from '../env.js';
import { UsageError, type CliContext, type ExitCode } from './context.js';

export const HELP = `Usage: switchboard <command> [options]

Commands:
  serve               run the gateway (what npm start runs)
  config check [dir]  check a config folder as the gateway does at start
  explain "<query>"   the per-vendor plan of a GET /conversations query; calls no one
  probe <vendor>      call one vendor once and report how its answer fits its YAML
  verify <vendor>     prove a vendor's YAML: check every claim against one whole read of the vendor
  mirror <status|sync|drop>  the mirrors: their state, a one-off pass (--full: a backfill), wiping a copy
  vendor reset <vendor>      forget a vendor's 429 memory and breakers in the shared state store (--all)
  key new [--id <client>]    a new API key, its SHA-256 and the inbound.clients entry to paste
  schema [dir]        write the config files' JSON Schemas (vendor.schema.json, gateway.schema.json)

Run switchboard <command> --help for a command's options.`;

export const SERVE_HELP = `Usage: switchboard serve

Runs the gateway: what npm start runs (node dist/src/server.js), configured by the environment (PORT,
CONFIG_DIR, … see the README). Stops gracefully on SIGTERM or SIGINT.`;

interface Command {
  run(args: readonly string[], ctx: CliContext): Promise<ExitCode>;
  help: string;
}

// Loaded on use: a command pays only for what it needs (probe alone brings in the HTTP client).
const COMMANDS: Record<string, () => Promise<Command>> = {
  config: async () => import('./check.js').then((m) => ({ run: m.configCommand, help: m.CONFIG_HELP })),
  explain: async () => import('./explain.js').then((m) => ({ run: m.explainCommand, help: m.EXPLAIN_HELP })),
  probe: async () => import('./probe.js').then((m) => ({ run: m.probeCommand, help: m.PROBE_HELP })),
  verify: async () => import('./verify.js').then((m) => ({ run: m.verifyCommand, help: m.VERIFY_HELP })),
  schema: async () => import('./schema.js').then((m) => ({ run: m.schemaCommand, help: m.SCHEMA_HELP })),
  mirror: async () => import('./mirror.js').then((m) => ({ run: m.mirrorCommand, help: m.MIRROR_HELP })),
  vendor: async () => import('./vendor.js').then((m) => ({ run: m.vendorCommand, help: m.VENDOR_HELP })),
  key: async () => import('./key.js').then((m) => ({ run: m.keyCommand, help: m.KEY_HELP })),
};

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

/**
 * Runs one command line. Returns the exit code, or `serving` when the gateway now runs in this process
 * (`serve`): it exits by itself on a signal.
 */
export async function runCli(argv: readonly string[], io: CliIo, source: Env): Promise<ExitCode | 'serving'> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(HELP);
    return name === undefined ? 2 : 0;
  }
  if (name === 'serve') {
    if (args.includes('--help') || args.includes('-h')) return (io.out(SERVE_HELP), 0);
    if (args.length > 0) return usage(io, `serve takes no arguments: configure it with the environment`, SERVE_HELP);
    await import('../server.js');
    return 'serving';
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load) return usage(io, `unknown command: ${name}`, HELP);
  const command = await load();

  let ctx: CliContext;
  try {
    const { vars, all } = readEnv(source as NodeJS.ProcessEnv);
    ctx = { vars, env: all, ...io };
  } catch (e) {
    io.err((e as Error).message);
    return 1;
  }
  try {
    return await command.run(args, ctx);
  } catch (e) {
    if (e instanceof UsageError) return usage(io, e.message, command.help);
    throw e;
  }
}

function usage(io: CliIo, message: string, help: string): 2 {
  io.err(`switchboard: ${message}`);
  io.err('');
  io.err(help);
  return 2;
}
