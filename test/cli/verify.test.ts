/**
 * `switchboard verify` as a user runs it: the seed vendors on their embedded simulators, the test dialects
 * on theirs (started here, named by base URL), and configs whose claims are wrong.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { credentialsOf, startSimulator, type Simulator } from '../../sim/kit.js';
import { runCli } from '../../src/cli/run.js';
import { vendorSchema } from '../../src/config/vendor-schema.js';
import { readConfig } from '../dialects/harness.js';
import { DEMO_CREDENTIALS } from '../helpers/demo-credentials.js';
import { DIALECT_VENDORS, ROOT } from '../helpers/harness.js';
import { cli, type CliRun } from './cli-process.js';
import { configCopy, removeConfigCopies } from './config-copy.js';


async function run(argv: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) }, { CONFIG_DIR: join(ROOT, 'config'), ...env });
  return { code: code === 'serving' ? null : code, stdout: out.join('\n'), stderr: err.join('\n') };
}

const sims: Simulator[] = [];
afterAll(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
  await removeConfigCopies();
});

describe.concurrent('switchboard verify', () => {
  it('siteassist on its embedded simulator, in a process of its own: a table of claims, all verified, exit 0', async () => {
    const r = await cli(['verify', 'siteassist']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^verify siteassist at http:\/\/127\.0\.0\.1:\d+ \(embedded simulator\)$/);
    expect(lines[1]).toBe('whole read: 300 conversations, 3 pages of 100, 3 calls, total 300');
    expect(r.stdout).toMatch(/^claim +verdict +calls  detail$/m);
    expect(r.stdout).toMatch(/^filter status=open +verified +2  170 matches of 300; the vendor returned exactly those$/m);
    expect(r.stdout).toMatch(/^order createdAt asc +verified +3  300 in createdAt asc order, nulls last$/m);
    expect(r.stdout).toMatch(/^paging +verified +10  10 pages of 30: the same 300 as the whole read, none twice$/m);
    expect(r.stdout).toMatch(/^detail +verified +1  siteassist:\S+ maps equal to its list row$/m);
    expect(lines.at(-1)).toBe("13 verified, 0 differ, 0 can't check");
  });

  it('a status filter on a parameter the simulator ignores: filter status=open differs with ids, exit 1', async () => {
    const dir = await configCopy({ 'vendors/siteassist.yaml': (t) => t.replace('status: { param: status,', 'status: { param: state,') });
    const r = await cli(['verify', '--config', dir, 'siteassist']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^filter status=open +differs +3  vendor returned 130 the local check rejects: siteassist:[0-9a-f-]+, siteassist:[0-9a-f-]+, siteassist:[0-9a-f-]+, siteassist:[0-9a-f-]+, siteassist:[0-9a-f-]+, … \(125 more\)$/m);
    expect(r.stdout).toMatch(/^filter status=closed +differs +3  vendor returned 170 the local check rejects: /m);
    expect(r.stdout).toMatch(/^\d+ verified, 4 differ, 0 can't check$/m);
  });

  for (const vendor of ['superagentes', 'uncodie']) {
    it(`${vendor} on its embedded simulator, as JSON: nothing differs, exit 0`, async () => {
      const r = await run(['verify', '--json', vendor]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const report = JSON.parse(r.stdout);
      expect(report).toMatchObject({ vendor, simulator: true, whole: { conversations: 300, truncated: null }, summary: { differs: 0 } });
      for (const c of report.claims) expect(['verified', 'cantCheck']).toContain(c.status);
    });
  }

  /** A base URL is a real vendor to the gateway: each test dialect's credentials, never its demo defaults. */
  const CREDENTIALS: Record<string, Record<string, string>> = {
    pagebox: { PAGEBOX_KEY: 'key-for-this-test' },
    cursorly: { CURSORLY_USERNAME: 'verify', CURSORLY_PASSWORD: 'secret-for-this-test' },
    latestfirst: { LATESTFIRST_TOKEN: 'token-for-this-test' },
    crisply: { CRISPLY_IDENTIFIER: 'verify', CRISPLY_KEY: 'key-for-this-test' },
    woot: { WOOT_TOKEN: 'token-for-this-test' },
  };

  for (const d of DIALECT_VENDORS) {
    it(`${d.name}, a test dialect, against its simulator named by base URL: exit 0`, async () => {
      const env = CREDENTIALS[d.name];
      if (!env) throw new Error(`no test credentials for ${d.name}: add them to CREDENTIALS`);
      const config = vendorSchema.parse(readConfig(d.configFile, env));
      const sim = await startSimulator(d.module.behaviour(credentialsOf(config)), { data: d.module.demoData(42, 300) });
      sims.push(sim);
      const yaml = await readFile(d.configFile, 'utf8');
      const dir = await configCopy({ [`vendors/${d.name}.yaml`]: () => yaml });
      const r = await run(['verify', '--config', dir, '--json', d.name], { ...env, [`${d.name.toUpperCase()}_BASE_URL`]: sim.url });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const report = JSON.parse(r.stdout);
      expect(report).toMatchObject({ vendor: d.name, url: sim.url, simulator: false, summary: { differs: 0 } });
      // Every claim its YAML makes is checked and holds (latestfirst claims only its natural order and paging).
      expect(report.claims.length).toBeGreaterThanOrEqual(2);
      expect(report.claims.map((c: { status: string }) => c.status)).toEqual(report.claims.map(() => 'verified'));
    });
  }

  it("a vendor that can not be read at all: its failure, exit 3; other vendors' problems are notes, not a stop", async () => {
    const r = await run(['verify', 'siteassist'], { ...DEMO_CREDENTIALS, SITEASSIST_BASE_URL: 'http://127.0.0.1:1', SIMULATORS: 'off' });
    expect(r.code).toBe(3);
    expect(r.stderr.split('\n')).toEqual([
      expect.stringMatching(/^note: not this vendor's: \S+\/vendors\/superagentes\.yaml: baseUrl: is empty: set SUPERAGENTES_BASE_URL/),
      expect.stringMatching(/^note: not this vendor's: \S+\/vendors\/uncodie\.yaml: baseUrl: is empty: set UNCODIE_BASE_URL/),
    ]);
    expect(r.stdout).toMatch(/^can't read the vendor: UPSTREAM_UNAVAILABLE: siteassist GET \/v2\/conversations: connection refused$/m);
  });

  it("the README's ten-minute guide shows what verify siteassist prints (the simulator's port aside)", async () => {
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    const block = /runs against its embedded simulator:\n\n {3}```text\n([\s\S]*?)\n {3}```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    const shown = block!.split('\n').map((l) => l.replace(/^ {3}/, ''));
    const r = await run(['verify', 'siteassist']);
    const port = (t: string) => t.replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT');
    expect(r.stdout.split('\n').map(port)).toEqual(shown.map(port));
  });

  it("a problem in the vendor's own file stops it, named as config check names it", async () => {
    const dir = await configCopy({ 'vendors/siteassist.yaml': (t) => t.replace('maxPageSize: 100', 'maxPageSize: 100\n    minPageSize: 500') });
    const r = await run(['verify', '--config', dir, 'siteassist']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`${join(dir, 'vendors/siteassist.yaml')}: request.pagination.minPageSize: 500 is more than the page size 100`);
  });

  it('the command line: a vendor to name, one that exists', async () => {
    expect(await run(['verify'])).toMatchObject({ code: 2, stderr: expect.stringContaining('name the vendor to verify') });
    expect(await run(['verify', 'nobody'])).toMatchObject({ code: 2, stderr: expect.stringContaining('no vendor "nobody"') });
    expect(await run(['verify', '--help'])).toMatchObject({ code: 0, stdout: expect.stringContaining('Usage: switchboard verify') });
  });
});
