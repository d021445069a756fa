/** The process as a new user runs it: env in, embedded simulators, real port, clean exit on SIGTERM. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { cp, mkdtemp, mkdir, readFile, rename, writeFile, rm } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, request } from 'undici';
import { mkdtempSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers/harness.js';
import { listening } from './helpers/listening.js';

// The default mirror store (SQLite in DATA_DIR), in a folder of the test's own rather than the checkout's data/.
const dataDir = mkdtempSync(join(tmpdir(), 'sb-server-data-'));
afterAll(() => rm(dataDir, { recursive: true, force: true }));

/** `undefined` in `env` leaves that variable unset. */
function start(env: Record<string, string | undefined>): { child: ChildProcessWithoutNullStreams; port: Promise<number>; output: () => string } {
  const all: Record<string, string | undefined> = { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', DATA_DIR: dataDir, ...env };
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env: Object.fromEntries(Object.entries(all).filter((e): e is [string, string] => e[1] !== undefined)),
  });
  const { port, output } = listening(child);
  return { child, port, output };
}

const exitCode = (child: ChildProcessWithoutNullStreams) => new Promise<number | null>((r) => child.on('exit', (code) => r(code)));

describe('server process', () => {
  it('npm start without config binds loopback (HOST defaults to 127.0.0.1), serves merged demo data from the three embedded simulators and exits 0 on SIGTERM', async () => {
    const { child, port, output } = start({ CURSOR_SECRET: 'a-test-secret-of-some-length', HOST: undefined });
    const p = await port;
    // The demo runs with auth off: it listens where only this machine reaches it.
    expect(output()).toMatch(/"host":"127\.0\.0\.1".*switchboard listening/);
    const outside = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal);
    if (outside) await expect(request(`http://${outside.address}:${p}/healthz`)).rejects.toThrow(/ECONNREFUSED/);
    const res = await request(`http://127.0.0.1:${p}/conversations?limit=50`);
    expect(res.statusCode).toBe(200);
    const body = (await res.body.json()) as { data: { vendor: string }[]; total: number; sources: { status: string }[] };
    expect(new Set(body.data.map((c) => c.vendor))).toEqual(new Set(['uncodie', 'superagentes', 'siteassist']));
    expect(body.total).toBe(900);
    expect(body.sources.every((s) => s.status === 'ok')).toBe(true);
    expect((await request(`http://127.0.0.1:${p}/healthz`)).statusCode).toBe(200);
    expect(output()).toMatch(/started embedded simulator/);
    const exited = exitCode(child);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('drains on SIGTERM: /readyz turns 503, the in-flight request finishes, then exit 0', async () => {
    const { child, port } = start({ SIM_FAULTS: 'superagentes=slow:1500', DRAIN_DELAY_MS: '400' });
    const p = await port;
    expect((await request(`http://127.0.0.1:${p}/readyz`)).statusCode).toBe(200);
    const inFlight = request(`http://127.0.0.1:${p}/conversations?limit=3`);
    await new Promise((r) => setTimeout(r, 300));
    const exited = exitCode(child);
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 100));
    const ready = await request(`http://127.0.0.1:${p}/readyz`);
    expect(ready.statusCode).toBe(503);
    const res = await inFlight;
    expect(res.statusCode).toBe(200);
    const body = (await res.body.json()) as { partial: boolean; sources: { vendor: string; status: string }[] };
    expect(body.partial).toBe(false);
    expect(body.sources.find((s) => s.vendor === 'superagentes')?.status).toBe('ok');
    expect(await exited).toBe(0);
  });

  it('on SIGTERM, answers finished during the drain say Connection: close, so no client reuses a socket that is about to close', async () => {
    const { child, port } = start({ SIM_FAULTS: 'siteassist=slow:1000', DRAIN_DELAY_MS: '1500' });
    const url = `http://127.0.0.1:${await port}`;
    // One keep-alive connection each: the one a client would reuse, and one carrying a request across the signal.
    const reused = new Client(url, { pipelining: 1 });
    const crossing = new Client(url, { pipelining: 1 });
    try {
      const before = await reused.request({ path: '/healthz', method: 'GET' });
      await before.body.text();
      expect(before.headers.connection).toBe('keep-alive');
      const inFlight = crossing.request({ path: '/conversations?limit=1&vendor=siteassist', method: 'GET' });
      await new Promise((r) => setTimeout(r, 200));
      const exited = exitCode(child);
      child.kill('SIGTERM');
      // Until the drain shows, answers may still say keep-alive; from then on every one says close.
      let ready;
      do {
        ready = await reused.request({ path: '/readyz', method: 'GET' });
        await ready.body.text();
      } while (ready.statusCode === 200);
      expect(ready.statusCode).toBe(503);
      expect(ready.headers.connection).toBe('close');
      // The next request goes out on a new connection and is served (the listener is open during the delay).
      const next = await reused.request({ path: '/healthz', method: 'GET' });
      await next.body.text();
      expect(next.statusCode).toBe(200);
      expect(next.headers.connection).toBe('close');
      // A request that began before the signal is told too.
      const crossed = await inFlight;
      expect(crossed.statusCode).toBe(200);
      await crossed.body.text();
      expect(crossed.headers.connection).toBe('close');
      expect(await exited).toBe(0);
    } finally {
      await Promise.all([reused.close(), crossing.close()]);
    }
  });

  it('with METRICS_PORT, serves /metrics on a listener of its own and not on the main port', async () => {
    const { child, port, output } = start({ METRICS_PORT: '0' });
    const main = `http://127.0.0.1:${await port}`;
    const metricsPort = Number(/"port":(\d+)[^\n]*"msg":"metrics listening"/.exec(output())?.[1]);
    expect(metricsPort).toBeGreaterThan(0);
    const metricsUrl = `http://127.0.0.1:${metricsPort}`;
    const onMain = await request(`${main}/metrics`);
    expect(onMain.statusCode).toBe(404);
    expect(onMain.headers['content-type']).toBe('application/problem+json');
    await onMain.body.text();
    const scraped = await request(`${metricsUrl}/metrics`);
    expect(scraped.statusCode).toBe(200);
    expect(await scraped.body.text()).toMatch(/switchboard_http_requests_total\{route="unmatched",method="GET",status="404"\} 1\b/);
    // The metrics listener serves nothing else, and the main port's contract no longer lists /metrics.
    const other = await request(`${metricsUrl}/conversations`);
    expect(other.statusCode).toBe(404);
    await other.body.text();
    const doc = (await (await request(`${main}/openapi.json`)).body.json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).not.toContain('/metrics');
    expect(Object.keys(doc.paths)).toContain('/conversations');
    const exited = exitCode(child);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it.each([
    ['a file replaced by rename, as editors save (CONFIG_WATCH=true)', { CONFIG_WATCH: 'true' }],
    ['SIGHUP', {}],
  ] as const)('reloads its config on %s', async (_how, env) => {
    const dir = await mkdtemp(join(tmpdir(), 'sb-reload-'));
    try {
      await cp(join(ROOT, 'config'), dir, { recursive: true });
      const { child, port } = start({ CONFIG_DIR: dir, ...env });
      const p = await port;
      const vendors = async () => {
        const res = await request(`http://127.0.0.1:${p}/conversations?limit=1`);
        return ((await res.body.json()) as { sources: { vendor: string }[] }).sources.map((s) => s.vendor).sort();
      };
      const eventually = async (want: string[]) => {
        for (let i = 0; i < 100 && JSON.stringify(await vendors()) !== JSON.stringify(want); i++) await new Promise((r) => setTimeout(r, 100));
        return vendors();
      };
      expect(await vendors()).toEqual(['siteassist', 'superagentes', 'uncodie']);
      const file = join(dir, 'vendors', 'uncodie.yaml');
      // Written beside it and renamed over it: the file watched at start is gone (the watch must follow the name).
      await writeFile(`${file}.tmp`, (await readFile(file, 'utf8')).replace(/^name: uncodie$/m, 'name: uncodie\nenabled: false'));
      await rename(`${file}.tmp`, file);
      if (!('CONFIG_WATCH' in env)) {
        // Not watching: nothing changes until the signal.
        await new Promise((r) => setTimeout(r, 600));
        expect(await vendors()).toEqual(['siteassist', 'superagentes', 'uncodie']);
        child.kill('SIGHUP');
      }
      expect(await eventually(['siteassist', 'superagentes'])).toEqual(['siteassist', 'superagentes']);
      const exited = exitCode(child);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('NODE_ENV=production never starts an embedded simulator: without base URLs it refuses to start, naming each variable', async () => {
    const { child, port, output } = start({ NODE_ENV: 'production' });
    port.catch(() => undefined);
    expect(await exitCode(child)).toBe(1);
    for (const v of ['SITEASSIST_BASE_URL', 'SUPERAGENTES_BASE_URL', 'UNCODIE_BASE_URL']) expect(output()).toMatch(new RegExp(`baseUrl: is empty: set ${v}, or set enabled: false; embedded simulators are off`));
    expect(output()).not.toMatch(/started embedded simulator/);
  });

  it('refuses to start without clients when AUTH_REQUIRED=true', async () => {
    const { child, port, output } = start({ AUTH_REQUIRED: 'true' });
    port.catch(() => undefined);
    expect(await exitCode(child)).toBe(1);
    expect(output()).toMatch(/client/i);
  });

  it('refuses a shared state store without a shared CURSOR_SECRET, saying why', async () => {
    const { child, port, output } = start({ STATE_STORE: 'redis://127.0.0.1:6379' });
    port.catch(() => undefined);
    expect(await exitCode(child)).toBe(1);
    expect(output()).toMatch(/invalid environment:\n\s+CURSOR_SECRET: required when STATE_STORE is Redis/);
    expect(output()).not.toMatch(/\bat .*\.ts:\d+/); // a message, not a stack trace
  });

  it('refuses to start on an invalid config and names the file and path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sb-bad-'));
    try {
      await mkdir(join(dir, 'vendors'));
      await writeFile(join(dir, 'vendors', 'broken.yaml'), 'name: broken\nbaseUrl: not a url\npath: /x\n');
      const { child, port, output } = start({ CONFIG_DIR: dir });
      port.catch(() => undefined);
      expect(await exitCode(child)).toBe(1);
      expect(output()).toMatch(/vendors\/broken\.yaml:\d+: baseUrl: /);
      expect(output()).toMatch(/request: /);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
