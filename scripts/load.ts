/**
 * A bounded load run (not part of npm test): starts the gateway as its own process over its embedded
 * simulators with one vendor hanging and one flapping, drives N concurrent clients for T seconds on
 * loopback, and reports status counts, latency percentiles, and the gateway's open sockets and RSS.
 *
 *   npm run load -- --clients 50 --seconds 20
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '20' },
    hang: { type: 'string', default: 'uncodie' },
    flap: { type: 'string', default: 'superagentes' },
    timeoutMs: { type: 'string', default: '1000' },
  },
});
const clients = Number(values.clients);
const seconds = Number(values.seconds);
const root = fileURLToPath(new URL('..', import.meta.url));

function gatewayStats(pid: number): { rssMb: number; sockets: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  let sockets = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) sockets++;
    } catch {
      /* closed meanwhile */
    }
  }
  return { rssMb: Math.round(rssKb / 102.4) / 10, sockets };
}

const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
  cwd: root,
  env: {
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    // Production-like: one log line per request, read and discarded here.
    LOG_LEVEL: 'info',
    UPSTREAM_TIMEOUT_MS: values.timeoutMs,
    // The clients share one address: lift the per-client limit so vendor faults are what is measured.
    CLIENT_RATE_PER_MINUTE: '10000000',
    CLIENT_RATE_BURST: '100000',
    SIM_FAULTS: `${values.hang}=hang,${values.flap}=flap:500`,
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const port = await new Promise<number>((resolve, reject) => {
  let out = '';
  const onData = (d: Buffer) => {
    out += d.toString();
    const m = /"port":(\d+)/.exec(out);
    if (m) {
      child.stdout.off('data', onData);
      child.stdout.resume();
      resolve(Number(m[1]));
    }
  };
  child.stdout.on('data', onData);
  child.on('exit', (c) => reject(new Error(`gateway exited ${c}`)));
});
const url = `http://127.0.0.1:${port}/conversations?limit=20`;
await request(url).then((r) => r.body.dump());
const start = gatewayStats(child.pid!);

const agent = new Agent({ connections: clients });
const statuses = new Map<string, number>();
const latencies: number[] = [];
const endAt = Date.now() + seconds * 1000;
async function client(): Promise<void> {
  while (Date.now() < endAt) {
    const t = performance.now();
    let key: string;
    try {
      const res = await request(url, { dispatcher: agent, headersTimeout: 10_000, bodyTimeout: 10_000 });
      const body = (await res.body.json()) as { partial?: boolean };
      key = `${res.statusCode}${body.partial ? ' partial' : ''}`;
    } catch (e) {
      key = `client error ${(e as Error).name}`;
    }
    latencies.push(performance.now() - t);
    statuses.set(key, (statuses.get(key) ?? 0) + 1);
  }
}
await Promise.all(Array.from({ length: clients }, client));
const end = gatewayStats(child.pid!);
await agent.close();
child.kill('SIGTERM');

latencies.sort((a, b) => a - b);
const pct = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]! * 10) / 10;
const report = {
  command: `npm run load -- --clients ${clients} --seconds ${seconds}`,
  faults: { hanging: values.hang, flapping: `${values.flap} (503 every other 500 ms)`, deadlineMs: Number(values.timeoutMs) },
  requests: latencies.length,
  perSecond: Math.round(latencies.length / seconds),
  statuses: Object.fromEntries([...statuses].sort()),
  latencyMs: { p50: pct(50), p99: pct(99), max: pct(100) },
  gateway: { start, end },
};
console.log(JSON.stringify(report, null, 2));
