/**
 * `switchboard key new [--id <client>]`: a new random API key, its SHA-256 (what the config stores: the key
 * itself is never kept) and the config to paste, for `inbound.clients` in gateway.yaml or API_CLIENTS. No
 * hashing by hand: `sha256sum` prints a trailing " -" that is easy to paste along.
 */
import { createHash, randomBytes } from 'node:crypto';
import { parseCommand, UsageError, type CliContext, type ExitCode } from './context.js';

export const KEY_HELP = `Usage: switchboard key new [--id <client id>]

Prints a new random API key (32 random bytes, base64url), its SHA-256 (the keySha256 the gateway stores;
the key itself is never stored), and the client entry to add under inbound.clients in gateway.yaml, or to
API_CLIENTS. Give the key to the client; it is shown once.

Options:
  --id <client id>  the client's id in the snippet (default: my-service)
  -h, --help        this help

Exit: 0 done; 2 wrong command line.`;

const CLIENT_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** A new key and the hex SHA-256 the gateway compares a presented key's digest with. */
export function newApiKey(): { key: string; keySha256: string } {
  const key = randomBytes(32).toString('base64url');
  return { key, keySha256: createHash('sha256').update(key).digest('hex') };
}

export async function keyCommand(args: readonly string[], ctx: CliContext): Promise<ExitCode> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') return (ctx.out(KEY_HELP), sub === undefined ? 2 : 0);
  if (sub !== 'new') throw new UsageError(`unknown key command: ${sub} (known: new)`);
  const { values } = parseCommand(rest, { id: { type: 'string' } }, 0);
  if (values.help) return (ctx.out(KEY_HELP), 0);
  const id = values.id ?? 'my-service';
  // The config's own rule for ids, so the snippet always loads.
  if (!CLIENT_ID.test(id)) throw new UsageError(`--id ${id}: letters, digits, . _ - (at most 64)`);

  const { key, keySha256 } = newApiKey();
  ctx.out(`API key (give it to the client; shown once, never stored): ${key}`);
  ctx.out(`SHA-256 of the key: ${keySha256}`);
  ctx.out('');
  ctx.out('In gateway.yaml, under inbound.clients:');
  ctx.out(`  - id: ${id}`);
  ctx.out(`    keySha256: "${keySha256}"`);
  ctx.out('    scopes: [conversations:read]');
  ctx.out('');
  ctx.out(`Or in API_CLIENTS (one YAML list, e.g. from a secret): [{id: ${id}, keySha256: "${keySha256}"}]`);
  return 0;
}
