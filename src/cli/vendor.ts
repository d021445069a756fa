/**
 * `switchboard vendor reset <vendor> | --all`: forgets a vendor's 429 memory and circuit breakers in the
 * shared state store (STATE_STORE, Redis), for every replica at once: what an operator runs after a
 * vendor sent an absurd Retry-After, or once a vendor is known to be back.
 */
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { redisStore } from '../state/redis-store.js';
import { resetVendor } from '../upstream/guard.js';
import { printConfigError } from './check.js';
import { parseCommand, UsageError, type CliContext, type ExitCode } from './context.js';

export const VENDOR_HELP = `Usage: switchboard vendor reset <vendor> | --all

  reset <vendor>   forget the vendor's 429 memory (every "don't call before" time it gave, for every
                   origin and set of credentials) and its circuit breakers, so the next request calls it
  reset --all      the same for every configured vendor

Works on the shared state store of running gateways (STATE_STORE=redis://…, STATE_STORE_PREFIX): every
replica sees it at once. With STATE_STORE=memory that state lives inside each gateway process: reload it
instead (kill -HUP <pid>), which forgets every vendor's 429 memory. The outbound budgets are kept (they
pace us toward the vendor).

Options:
  --config <dir>  config folder (default: CONFIG_DIR or ./config)
  -h, --help      this help

Exit: 0 done; 1 the store or the config failed; 2 wrong command line.`;

export async function vendorCommand(args: readonly string[], ctx: CliContext): Promise<ExitCode> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') return (ctx.out(VENDOR_HELP), sub === undefined ? 2 : 0);
  if (sub !== 'reset') throw new UsageError(`unknown vendor command: ${sub} (known: reset)`);
  const { values, positionals } = parseCommand(rest, { config: { type: 'string' }, all: { type: 'boolean' } }, 1);
  if (values.help) return (ctx.out(VENDOR_HELP), 0);
  if ((positionals[0] === undefined) === !values.all) throw new UsageError('name the vendor to reset, or --all');

  const dir = values.config ?? ctx.vars.CONFIG_DIR;
  let config: LoadedConfig;
  try {
    config = await loadConfig(dir, ctx.env);
  } catch (e) {
    return printConfigError(e, dir, ctx);
  }
  const known = config.vendors.map((v) => v.name);
  const names = values.all ? known : [positionals[0]!];
  for (const n of names) if (!known.includes(n)) throw new UsageError(`no vendor "${n}" (configured: ${known.join(', ')})`);

  if (ctx.vars.STATE_STORE === 'memory') {
    ctx.err('STATE_STORE is memory: each gateway keeps this state in its own process. Reload it (kill -HUP <pid>) to forget its 429 memory.');
    return 1;
  }
  const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const store = redisStore({ url: ctx.vars.STATE_STORE, prefix: ctx.vars.STATE_STORE_PREFIX, timeoutMs: Math.max(1000, ctx.vars.STATE_STORE_TIMEOUT_MS), logger: silent });
  try {
    await store.connect(2000);
    if (store.mode() !== 'redis') {
      ctx.err(`state store: no answer from Redis at ${redacted(ctx.vars.STATE_STORE)}`);
      return 1;
    }
    for (const name of names) {
      try {
        const { blocks, breakers } = await resetVendor(store, name, { breakers: true });
        ctx.out(`${name}: forgot its 429 memory (${blocks} account${blocks === 1 ? '' : 's'}) and its breakers (${breakers} origin${breakers === 1 ? '' : 's'})`);
      } catch (e) {
        ctx.err(`${name}: ${(e as Error).message}`);
        return 1;
      }
    }
    return 0;
  } finally {
    await store.close();
  }
}

/** The URL without its password, for messages. */
function redacted(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '…';
    return u.toString();
  } catch {
    return 'the configured URL';
  }
}
