/**
 * `switchboard key new` replaces hashing a key by hand (`sha256sum` printed a trailing " -" that got pasted
 * along): run as bin/switchboard.js runs it, its key is random, its hash is the key's SHA-256, and the
 * client entry it prints, pasted under inbound.clients in gateway.yaml, lets that key in (and only it).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import { ROOT, startHarness, type Harness } from '../helpers/harness.js';

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) }, { CONFIG_DIR: join(ROOT, 'config') });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

/** The key, the hash, the inbound.clients entry and the API_CLIENTS value the command printed. */
function printed(stdout: string) {
  const key = /^API key .*: (\S+)$/m.exec(stdout)?.[1];
  const hash = /^SHA-256 of the key: (\S+)$/m.exec(stdout)?.[1];
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => /under inbound\.clients:$/.test(l)) + 1;
  const entry = lines.slice(start, lines.indexOf('', start)).join('\n');
  const apiClients = /^Or in API_CLIENTS \([^)]*\): (.+)$/m.exec(stdout)?.[1];
  return { key: key!, hash: hash!, entry, apiClients: apiClients! };
}

const harnesses: Harness[] = [];
afterAll(async () => Promise.all(harnesses.map((h) => h.close())));

describe('switchboard key new', () => {
  it('prints a random key and its bare SHA-256 (no trailing " -"), different each run', async () => {
    const a = await run(['key', 'new', '--id', 'billing-service']);
    expect(a.code).toBe(0);
    const { key, hash, entry, apiClients } = printed(a.stdout);
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes, base64url
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).toBe(createHash('sha256').update(key).digest('hex'));
    expect(parse(entry)).toEqual([{ id: 'billing-service', keySha256: hash, scopes: ['conversations:read'] }]);
    expect(parse(apiClients)).toEqual([{ id: 'billing-service', keySha256: hash }]);

    const b = printed((await run(['key', 'new'])).stdout);
    expect(b.key).not.toBe(key);
    expect(b.entry).toMatch(/- id: my-service$/m);
  });

  it('refuses a client id the config would refuse, and an unknown subcommand', async () => {
    const bad = await run(['key', 'new', '--id', 'has space']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--id has space: letters, digits/);
    expect((await run(['key', 'rotate'])).stderr).toMatch(/unknown key command: rotate/);
    expect((await run(['key', '--help'])).stdout).toMatch(/^Usage: switchboard key new/);
  });

  it("the entry it prints, pasted under inbound.clients, lets the printed key in and no other; API_CLIENTS the same", async () => {
    const { key, entry, apiClients } = printed((await run(['key', 'new', '--id', 'billing-service'])).stdout);
    const shipped = await readFile(join(ROOT, 'config/gateway.yaml'), 'utf8');
    expect(shipped).toContain('clients: ${API_CLIENTS:-[]}');
    // Pasted as the README says: the printed lines, indented under `clients:`.
    const gatewayYaml = shipped.replace('clients: ${API_CLIENTS:-[]}', `clients:\n${entry.replace(/^/gm, '    ')}`);
    const pasted = await startHarness({ gatewayYaml, env: { AUTH_REQUIRED: 'true' } });
    harnesses.push(pasted);
    const fromEnv = await startHarness({ env: { AUTH_REQUIRED: 'true', API_CLIENTS: apiClients } });
    harnesses.push(fromEnv);
    for (const h of [pasted, fromEnv]) {
      expect(h.gateway.config.gateway.inbound.clients.map((c) => c.id)).toEqual(['billing-service']);
      expect((await h.get('/conversations?limit=1', { authorization: `Bearer ${key}` })).status).toBe(200);
      expect((await h.get('/conversations?limit=1', { 'x-api-key': key })).status).toBe(200);
      expect((await h.get('/conversations?limit=1', { authorization: `Bearer ${key}x` })).status).toBe(401);
    }
  });
});
