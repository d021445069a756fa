/** The CLI as a user runs it: `node bin/switchboard.js …` in the repo, its output and its exit code. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/harness.js';
import { listening } from '../helpers/listening.js';
import { cli } from './cli-process.js';
import { configCopy, removeConfigCopies } from './config-copy.js';


afterAll(removeConfigCopies);

describe.concurrent('switchboard CLI, run as a user runs it', () => {
  it('config check: exit 0 and the vendors it found', async () => {
    const r = await cli(['config', 'check', 'config']);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('ok: 3 vendors (siteassist, superagentes, uncodie)');
    expect(r.code).toBe(0);
  });

  it('config check: each problem of a broken folder as file:line: path: message, exit 1', async () => {
    const dir = await configCopy({
      'vendors/broken.yaml': () => 'name: broken\nbaseUrl: https://example.test\npath: no-slash\nrequest:\n  pagination: { style: offset }\nresponse: { items: data, fields: { externalId: id } }\n',
      'vendors/syntax.yaml': () => 'name: syntax\npath: [unclosed\n',
    });
    const r = await cli(['config', 'check', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toContain(`${join(dir, 'vendors/broken.yaml')}:3: path: Invalid string: must start with "/"`);
    expect(lines.some((l) => l.startsWith(`${join(dir, 'vendors/broken.yaml')}:5: request.pagination.limitParam: `))).toBe(true);
    expect(lines.some((l) => l.startsWith(`${join(dir, 'vendors/syntax.yaml')}:3: (root): YAML syntax: `))).toBe(true);
    for (const l of lines) expect(l).toMatch(/^\S+\.yaml:\d+: \S+: .+/);
  });

  it('explain: per-vendor plan, uncodie skipped and siteassist pushed, calling no one', async () => {
    const r = await cli(['explain', 'status=open&orderBy=createdAt']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^uncodie: skipped — status can't be evaluated for this vendor$/m);
    expect(r.stdout).toMatch(/^siteassist: fetch\n {2}filters {2}pushed: status;.*\n {2}params {3}status ← status=open\n {2}order {4}pushed/m);
    expect(r.stdout).toContain('GET /v2/conversations?status=open&orderBy=createdAt&orderDir=desc&limit=12&offset=0');
    // Mirrored: read whole while its mirror warms, from the mirror once warm.
    expect(r.stdout).toMatch(/^superagentes: fetch\n {2}mirror {3}read from its mirror once warm \(head \(createdAfter filter\) every 30 s, full read every 5 min\); as below while it warms\n {2}filters {2}pushed: none; checked here: status\n {2}order {4}local/m);
  });

  it('explain: an invalid query is exit 2 naming the parameter and why', async () => {
    const r = await cli(['explain', 'limit=0']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('limit: must be at least 1');
  });

  it('probe: one call to the embedded simulator, with a field report', async () => {
    const r = await cli(['probe', 'siteassist']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/v2\/conversations\?orderBy=lastInterationAt&orderDir=desc&limit=12&offset=0 {2}\(embedded simulator\)$/m);
    expect(r.stdout).toMatch(/^HTTP 200 in \d+ ms$/m);
    expect(r.stdout).toContain('items 12, total 300, more pages yes');
    expect(r.stdout).toMatch(/^field +present +missing +invalid$/m);
    expect(r.stdout).toMatch(/^externalId +12 +0 +0$/m);
    expect(r.stdout).toMatch(/^channel +12 +0 +0 {2}const$/m);
  });

  it("probe: a vendor's error answer is shown as the gateway maps it, exit 1", async () => {
    const r = await cli(['probe', 'siteassist', '--query', 'status=open'], { SIM_FAULTS: 'siteassist=rateLimit:30' });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^HTTP 429 in \d+ ms$/m);
    expect(r.stdout).toContain('error RATE_LIMITED (gateway status 429)');
    expect(r.stdout).toContain('vendor status 429, vendor code RATE_LIMIT_EXCEEDED, retry after 30 s');
  });

  it('serve: runs the gateway, which answers and stops on SIGTERM with exit 0', async () => {
    const child = spawn(process.execPath, ['bin/switchboard.js', 'serve'], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', MIRROR_STORE: 'sqlite::memory:' } });
    const { port: listeningOn, exited } = listening(child);
    const port = await listeningOn;
    expect((await request(`http://127.0.0.1:${port}/healthz`)).statusCode).toBe(200);
    const res = await request(`http://127.0.0.1:${port}/conversations?vendor=siteassist&limit=2`);
    expect(res.statusCode).toBe(200);
    expect(((await res.body.json()) as { total: number }).total).toBe(300);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('--help, exit 0; an unknown command, exit 2 with the usage', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: switchboard <command>/);
    const unknown = await cli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^switchboard: unknown command: frobnicate\n\nUsage: switchboard/);
  });
});
