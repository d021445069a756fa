/**
 * The systems under test, each its own child process on loopback: the gateway (src/server.ts), the floor
 * and the naive aggregator. Every child is tracked and killed when the bench ends, also on error.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import type { FloorUpstream } from './floor.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface Memory {
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
}

export interface System {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  memory(): Promise<Memory>;
  /** process.cpuUsage() of the system's process (µs), over IPC. */
  cpu(): Promise<NodeJS.CpuUsage>;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
// Last resort: a bench that ends for any reason (error, Ctrl-C, SIGTERM) leaves no server behind.
const killAll = () => {
  for (const c of children) c.kill('SIGKILL');
};
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });
}

const mb = (bytes: number) => Math.round(bytes / 1024 / 102.4) / 10;

async function spawnSystem(name: string, script: string, env: Record<string, string>, nodeArgs: string[] = []): Promise<System> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', '--import', './bench/probe.ts', script], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: '0', HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  children.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => children.delete(child));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${name} did not report its port within 30 s`)), 30_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /"port":(\d+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.stdout!.resume(); // keep draining: the gateway logs a line per request at info
      resolve(Number(m[1]));
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) before listening:\n${out.slice(-2000)}`));
    });
  }).catch((e: unknown) => {
    child.kill('SIGKILL');
    throw e;
  });

  return {
    name,
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    memory: () =>
      new Promise<Memory>((resolve) => {
        const fromProc = (): Memory => {
          const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0);
          return { rssMb: Math.round(rssKb / 102.4) / 10, heapUsedMb: Number.NaN, heapTotalMb: Number.NaN };
        };
        const timer = setTimeout(() => {
          child.off('message', onMessage);
          resolve(fromProc());
        }, 2_000);
        const onMessage = (m: unknown) => {
          const mem = (m as { memory?: NodeJS.MemoryUsage }).memory;
          if (!mem) return;
          clearTimeout(timer);
          child.off('message', onMessage);
          resolve({ rssMb: mb(mem.rss), heapUsedMb: mb(mem.heapUsed), heapTotalMb: mb(mem.heapTotal) });
        };
        child.on('message', onMessage);
        child.send('memory');
      }),
    cpu: () =>
      new Promise<NodeJS.CpuUsage>((resolve, reject) => {
        const timer = setTimeout(() => {
          child.off('message', onMessage);
          reject(new Error(`${name} did not report its CPU usage`));
        }, 2_000);
        const onMessage = (m: unknown) => {
          const cpu = (m as { cpu?: NodeJS.CpuUsage }).cpu;
          if (!cpu) return;
          clearTimeout(timer);
          child.off('message', onMessage);
          resolve(cpu);
        };
        child.on('message', onMessage);
        child.send('cpu');
      }),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface GatewayOptions {
  vendorEnv: Record<string, string>;
  /** 0: the vendor cache off (the default). */
  cacheTtlMs: number;
  /** Write a V8 CPU profile here when the gateway exits. */
  cpuProfDir?: string;
  /** Entry point (default src/server.ts; the profile runs a tsc build for its source maps). */
  script?: string;
  /** Shown in the results (default: gateway, or gateway (cache on)). */
  name?: string;
  /**
   * Applied over the defaults below, e.g. `MIRRORS: 'on'` with a `DATA_DIR`, or the real
   * `UNCODIE_RATE_PER_MINUTE` (bench/mirrors.ts).
   */
  env?: Record<string, string>;
}

export function startGateway(opts: GatewayOptions): Promise<System> {
  return spawnSystem(
    opts.name ?? (opts.cacheTtlMs > 0 ? 'gateway (cache on)' : 'gateway'),
    opts.script ?? 'src/server.ts',
    {
      ...opts.vendorEnv,
      // Production-like: info logs a line per request (drained above); the port is read from its first line.
      LOG_LEVEL: 'info',
      SIMULATORS: 'off',
      CURSOR_SECRET: 'bench-cursor-secret-0123456789',
      UPSTREAM_TIMEOUT_MS: '10000',
      UNCODIE_RATE_PER_MINUTE: '100000000',
      UNCODIE_RATE_BURST: '1000000',
      CLIENT_RATE_PER_MINUTE: '1000000000',
      CLIENT_RATE_BURST: '100000000',
      VENDOR_CACHE_TTL_MS: String(opts.cacheTtlMs),
      // `npm run bench` measures the live path (its targets are about reading vendors per request), so its
      // gateways run with mirrors off, as they did before mirrors existed; with them on, Uncodie and
      // Superagentes would be served from a local copy and no figure would mean what it says.
      // bench/mirrors.ts measures mirrors, and turns them on through `env`.
      MIRRORS: 'off',
      ...opts.env,
    },
    opts.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`] : [],
  );
}

export function startFloor(upstreams: FloorUpstream[]): Promise<System> {
  return spawnSystem('floor', 'bench/floor.ts', { FLOOR_UPSTREAMS: JSON.stringify(upstreams) });
}

export function startProxy(upstream: FloorUpstream): Promise<System> {
  return spawnSystem('proxy', 'bench/proxy.ts', { PROXY_UPSTREAM: JSON.stringify(upstream) });
}

export function startNaive(vendorEnv: Record<string, string>): Promise<System> {
  return spawnSystem('naive', 'bench/naive.ts', { ...vendorEnv, LOG_LEVEL: 'warn' });
}

export async function stopAll(systems: Iterable<System | undefined>): Promise<void> {
  await Promise.all([...systems].map((s) => s?.stop().catch(() => undefined)));
}

/**
 * Waits until every vendor the page reads whole is served from its mirror (its first full read done) and
 * the others are read lazily; the vendors still read live.
 */
export async function mirrorsServing(url: string, first: string): Promise<string[]> {
  const deadline = performance.now() + 90_000;
  for (;;) {
    const { plan } = (await (await request(`${url}${first}&explain=true`)).body.json()) as { plan: { vendor: string; read: string }[] };
    const mirrored = plan.filter((p) => p.read === 'mirror').map((p) => p.vendor);
    const live = plan.filter((p) => p.read !== 'mirror');
    if (mirrored.length > 0 && live.every((p) => p.read === 'lazy')) return live.map((p) => p.vendor);
    if (performance.now() > deadline) throw new Error(`mirrors on: not every vendor read whole is served from its mirror after 90 s (${JSON.stringify(plan)})`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
