/**
 * `switchboard mirror status | sync | drop` over a real SQLite store in a temp DATA_DIR and a real vendor
 * simulator, as an operator runs them (in this process: runCli is what bin/switchboard.js runs).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialsOf, startSimulator, type Simulator } from '../../sim/kit.js';
import { uncodieSimulator } from '../../sim/index.js';
import { runCli } from '../../src/cli/run.js';
import { loadConfig } from '../../src/config/load.js';
import { openMirrorDb } from '../../src/mirror/store/connect.js';
import { MirrorStore } from '../../src/mirror/store/mirror-store.js';
import { ROOT } from '../helpers/harness.js';

let dataDir: string;
let sim: Simulator;
let env: Record<string, string>;

async function run(argv: string[], extra: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) }, { CONFIG_DIR: join(ROOT, 'config'), ...env, ...extra });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'sb-cli-mirror-'));
  const v = (await loadConfig(join(ROOT, 'config'), {})).vendors.find((x) => x.name === 'uncodie')!;
  sim = await startSimulator(uncodieSimulator.behaviour(credentialsOf(v)), { data: uncodieSimulator.demoData(5, 240) });
  env = { DATA_DIR: dataDir, UNCODIE_BASE_URL: sim.url, UNCODIE_SITE_ID: credentialsOf(v).query.site_id! };
});
afterAll(async () => {
  await sim?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('switchboard mirror', () => {
  it('status of a store that does not exist says so and makes none', async () => {
    const r = await run(['mirror', 'status'], { DATA_DIR: join(dataDir, 'nothing-here') });
    expect(r).toMatchObject({ code: 0, stdout: `no mirror store at ${join(dataDir, 'nothing-here', 'mirror.sqlite')}` });
  });

  it('sync: a full read the first time (a backfill), the frequent pass after', async () => {
    const first = await run(['mirror', 'sync', 'uncodie']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^uncodie: full read into .*mirror\.sqlite \(mirror #1; head \(first 1 page\) every 30 s, full read every 30 min\)$/m);
    expect(first.stdout).toMatch(/^uncodie: full at \S+: 3 calls, 240 items, 240 changed, 0 deleted, .*; 240 conversations, ready, complete as of \S+$/m);
    const again = await run(['mirror', 'sync', 'uncodie']);
    expect(again.stdout).toMatch(/^uncodie: head at \S+: 1 call, 100 items, 0 changed, /m);
    const full = await run(['mirror', 'sync', 'uncodie', '--full']);
    expect(full.stdout).toMatch(/^uncodie: full at \S+: 3 calls, 240 items, 0 changed, 0 deleted/m);
  });

  it('status: each mirror, its freshness, its passes and its lease', async () => {
    const r = await run(['mirror', 'status']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^uncodie #1 http:\/\/127\.0\.0\.1:\d+: 240 conversations, ready, complete as of \S+ \(\d+ s ago\)$/m);
    expect(r.stdout).toMatch(/^ {2}last full read: full at \S+: 3 calls, 240 items/m);
    expect(r.stdout).toMatch(/^ {2}sync lease: free$/m);
    const json = JSON.parse((await run(['mirror', 'status', '--json'])).stdout);
    expect(json.mirrors).toEqual([expect.objectContaining({ id: 1, vendor: 'uncodie', ready: true, rows: 240 })]);
  });

  it('sync refuses while another process holds the vendor lease, and names it', async () => {
    const store = new MirrorStore(await openMirrorDb('sqlite', dataDir));
    expect(await store.lease('sync:uncodie', 'gateway-7', 60_000, Date.now())).toBe(true);
    try {
      const r = await run(['mirror', 'sync', 'uncodie']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^uncodie: its sync lease is held by gateway-7 until \S+: a gateway is syncing it/);
    } finally {
      await store.releaseLease('sync:uncodie', 'gateway-7');
      await store.close();
    }
  });

  it('sync says why it can\'t: no mirror block, no base URL, unknown vendor', async () => {
    expect(await run(['mirror', 'sync', 'siteassist'], { SITEASSIST_BASE_URL: sim.url, SITEASSIST_TOKEN: 'a-token' })).toMatchObject({ code: 1, stderr: 'siteassist has no mirror block in its YAML: it is read live' });
    expect(await run(['mirror', 'sync', 'superagentes'])).toMatchObject({ code: 1, stderr: expect.stringMatching(/^superagentes: baseUrl is empty/) });
    expect((await run(['mirror', 'sync', 'nobody'])).code).toBe(2);
    expect((await run(['mirror', 'drop'])).code).toBe(2);
  });

  it('drop: wipes a vendor\'s mirrors', async () => {
    const r = await run(['mirror', 'drop', 'uncodie']);
    expect(r).toMatchObject({ code: 0, stdout: expect.stringMatching(/^dropped uncodie #1 \(http:\/\/127\.0\.0\.1:\d+\): 240 stored conversation versions deleted$/) });
    expect((await run(['mirror', 'status'])).stdout).toMatch(/no mirrors$/);
  });
});
