/**
 * Redis for the shared-state tests: the one named by STATE_STORE_TEST_URL, else one answering on
 * 127.0.0.1:6379, else none (those tests skip and say so). Each run gets its own key prefix and removes
 * its keys; a dedicated redis-server on a free port can be started, stopped and started again.
 */
import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createConnection, createServer } from 'node:net';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { simulators as seedSimulators } from '../../sim/index.js';
import { credentialsOf, startSimulator, type Simulator } from '../../sim/kit.js';
import { loadConfig } from '../../src/config/load.js';
import { DEMO_CREDENTIALS } from './demo-credentials.js';
import { ROOT } from './harness.js';
import { getJson } from './http.js';
import { listening } from './listening.js';

const DEFAULT_URL = 'redis://127.0.0.1:6379';

function pings(port: number, host = '127.0.0.1', ms = 300): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(ms, () => done(false));
    s.on('error', () => done(false));
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}

/** The Redis to test against, or null. A URL set in STATE_STORE_TEST_URL is used as is (never skipped). */
export async function testRedisUrl(): Promise<string | null> {
  const given = process.env.STATE_STORE_TEST_URL;
  if (given) return given;
  return (await pings(6379)) ? DEFAULT_URL : null;
}

/** Says, once per file, that the Redis tests did not run. */
export function reportSkip(file: string): void {
  console.warn(`[redis] SKIPPED ${file}: STATE_STORE_TEST_URL is unset and no Redis answers on 127.0.0.1:6379`);
}

export const testPrefix = (what: string) => `sbtest:${what}:${randomUUID().slice(0, 8)}:`;

/** Deletes every key under `prefix`. */
export async function dropKeys(url: string, prefix: string): Promise<number> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await r.connect();
    let n = 0;
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) n += await r.del(...keys);
    } while (cursor !== '0');
    return n;
  } finally {
    r.disconnect();
  }
}

export async function countKeys(url: string, prefix: string): Promise<number> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await r.connect();
    return (await r.keys(`${prefix}*`)).length;
  } finally {
    r.disconnect();
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** A redis-server of our own on a free port, to stop and start mid-test. */
export async function dedicatedRedis(): Promise<{ url: string; start(): Promise<void>; stop(): Promise<void> }> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  };
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      if (await pings(port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server did not answer on port ${port}`);
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, start, stop };
}

/** One simulator per seed vendor, started here so several gateway processes share it (and its call counts). */
export async function sharedSimulators(count = 120): Promise<{ sims: Map<string, Simulator>; env: Record<string, string>; close(): Promise<void> }> {
  const config = await loadConfig(join(ROOT, 'config'), {});
  const sims = new Map<string, Simulator>();
  // The simulators run here, so to each gateway they are real vendors: it needs their credentials set.
  const env: Record<string, string> = { ...DEMO_CREDENTIALS };
  let seed = 7;
  for (const v of config.vendors) {
    const mod = v.simulator ? seedSimulators[v.simulator] : undefined;
    if (!mod) continue;
    const sim = await startSimulator(mod.behaviour(credentialsOf(v)), { data: mod.demoData(seed++, count) });
    sims.set(v.name, sim);
    env[`${v.name.toUpperCase()}_BASE_URL`] = sim.url;
  }
  return { sims, env, close: () => Promise.all([...sims.values()].map((s) => s.close())).then(() => undefined) };
}

export interface GatewayProcess {
  url: string;
  output(): string;
  get(path: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: any }>;
  stop(): Promise<void>;
  /** Ends it at once, as a crash would: no drain, no lease given back. */
  kill(): Promise<void>;
}

/** `node src/server.ts` as a replica runs it; resolves once it listens. */
export async function startGatewayProcess(env: Record<string, string>): Promise<GatewayProcess> {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    // Mirrors off unless a test turns them on (with its own store): the shared-state tests count vendor calls.
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', SIMULATORS: 'off', MIRRORS: env.MIRROR_STORE ? 'on' : 'off', ...env },
  });
  const { port: listeningOn, output } = listening(child);
  const port = await listeningOn;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    output,
    get: (path) => getJson(url + path),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    },
  };
}
