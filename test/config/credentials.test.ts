/** Demo credentials reach only embedded simulators: a real base URL never gets a `:-default` credential. */
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulators, siteassistSimulator } from '../../sim/index.js';
import { startSimulator, type Simulator } from '../../sim/kit.js';
import { runCli } from '../../src/cli/run.js';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { buildGateway } from '../../src/gateway.js';
import { memoryLogger, ROOT } from '../helpers/harness.js';

const CONFIG = join(ROOT, 'config');
const lineOf = async (file: string, text: string) => (await readFile(join(CONFIG, file), 'utf8')).split('\n').findIndex((l) => l.includes(text)) + 1;

async function check(env: Record<string, string>) {
  const err: string[] = [];
  const code = await runCli(['config', 'check'], { out: () => undefined, err: (l) => err.push(l) }, { CONFIG_DIR: CONFIG, ...env });
  return { code, stderr: err.join('\n') };
}

let sim: Simulator;
let onlySiteassist: string;
beforeAll(async () => {
  // A vendor that would take the demo token: had the gateway sent it, the call would have "worked".
  sim = await startSimulator(siteassistSimulator.behaviour({ bearer: 'demo-siteassist-token', query: {} }), { data: siteassistSimulator.demoData(1, 5) });
  onlySiteassist = await mkdtemp(join(tmpdir(), 'sb-credentials-'));
  await mkdir(join(onlySiteassist, 'vendors'));
  await copyFile(join(CONFIG, 'gateway.yaml'), join(onlySiteassist, 'gateway.yaml'));
  await copyFile(join(CONFIG, 'vendors/siteassist.yaml'), join(onlySiteassist, 'vendors/siteassist.yaml'));
});
afterAll(async () => {
  await sim?.close();
  await rm(onlySiteassist, { recursive: true, force: true });
});

describe('demo credentials', () => {
  it('an empty SITEASSIST_TOKEN with a real base URL is a start error naming the variable, and the demo token is sent nowhere', async () => {
    const env = { SITEASSIST_BASE_URL: sim.url, SITEASSIST_TOKEN: '' };
    const e = await buildGateway({ configDir: CONFIG, env, logger: memoryLogger(), simulators }).then(() => null, (err: unknown) => err);
    expect(e).toBeInstanceOf(ConfigError);
    const line = await lineOf('vendors/siteassist.yaml', 'token: ${SITEASSIST_TOKEN');
    expect((e as ConfigError).problems).toEqual([
      {
        file: join('vendors', 'siteassist.yaml'),
        line,
        path: 'auth.token',
        message: expect.stringMatching(/^SITEASSIST_TOKEN is unset or empty, so its default applies, and that is demo data for the embedded simulator; .*: set SITEASSIST_TOKEN$/),
      },
    ]);
    expect(sim.calls).toHaveLength(0);

    // `switchboard config check` says the same, as file:line: path: message.
    const r = await check(env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^${join(CONFIG, 'vendors/siteassist.yaml')}:${line}: auth\\.token: SITEASSIST_TOKEN is unset or empty`));
  });

  it('the token set explicitly is what the real vendor gets', async () => {
    const real = await startSimulator(siteassistSimulator.behaviour({ bearer: 'a-real-token', query: {} }), { data: siteassistSimulator.demoData(2, 5) });
    const gateway = await buildGateway({ configDir: onlySiteassist, env: { SITEASSIST_BASE_URL: real.url, SITEASSIST_TOKEN: 'a-real-token' }, logger: memoryLogger(), simulators });
    try {
      const res = await gateway.fetch(new Request('http://localhost/conversations?limit=2'));
      expect(res.status).toBe(200);
      expect(real.calls.map((c) => c.headers.authorization)).toEqual(['Bearer a-real-token']);
      expect(gateway.simulators.size).toBe(0);
    } finally {
      await gateway.close();
      await real.close();
    }
  });

  it("a demo default in a fixed query parameter (Uncodie's site id) is refused at a real base URL; no base URL or disabled is exempt", async () => {
    const problems = await loadConfig(CONFIG, { UNCODIE_BASE_URL: 'https://uncodie.example' }).then(
      () => [],
      (e: ConfigError) => e.problems,
    );
    expect(problems).toEqual([
      expect.objectContaining({ file: join('vendors', 'uncodie.yaml'), path: 'request.query.site_id.value', message: expect.stringMatching(/^UNCODIE_SITE_ID is unset .*\(https:\/\/uncodie\.example\): set UNCODIE_SITE_ID$/) }),
    ]);
    // Without base URLs every default stands (the embedded simulators take them).
    await expect(loadConfig(CONFIG, {})).resolves.toBeDefined();
  });
});
