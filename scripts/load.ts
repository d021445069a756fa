/**
 * A bounded load run (not part of npm test): starts the gateway as its own process over its embedded
 * simulators with one vendor hanging and one flapping, drives N concurrent clients for T seconds on
 * loopback, and reports status counts, latency percentiles, and the gateway's open sockets and RSS.
 *
 *   npm run load -- --clients 50 --seconds 20
 *   npm run load -- --hostile        # one vendor echoing our credentials, one repeating its cursor, one
 *                                    # answering 429 with Retry-After: 99999999999999 (once mirrors are warm)
 *
 * --hostile also checks what the issue asks of such a day: no 5xx, no credential in any body, header or
 * log line, every Retry-After a whole number, and bounded RSS; it exits 1 when one of them fails.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import { credentialsOf } from '../sim/kit.js';
import { loadConfig } from '../src/config/load.js';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '20' },
    hang: { type: 'string', default: 'uncodie' },
    flap: { type: 'string', default: 'superagentes' },
    timeoutMs: { type: 'string', default: '1000' },
    hostile: { type: 'boolean', default: false },
  },
});
const hostile = values.hostile;
/** Hostile: the vendors turn hostile this long after start, once the mirrors have their first copy. */
const HOSTILE_AFTER_S = 25;
const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-load-'));
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
    SIM_FAULTS: hostile
      ? `siteassist=echoText@${HOSTILE_AFTER_S},uncodie=loopCursor@${HOSTILE_AFTER_S},superagentes=rateLimit:99999999999999@${HOSTILE_AFTER_S}`
      : `${values.hang}=hang,${values.flap}=flap:500`,
    DATA_DIR: dataDir,
  },
  stdio: ['ignore', 'pipe', 'pipe'],
});
/** Everything the gateway logs (stdout and stderr), to look for credentials in. */
let log = '';
child.stderr.on('data', (d: Buffer) => void (log += d.toString()));
const port = await new Promise<number>((resolve, reject) => {
  let out = '';
  const onData = (d: Buffer) => {
    out += d.toString();
    const m = /"port":(\d+)/.exec(out);
    if (m) {
      child.stdout.off('data', onData);
      log += out;
      child.stdout.on('data', (x: Buffer) => void (log += x.toString()));
      resolve(Number(m[1]));
    }
  };
  child.stdout.on('data', onData);
  child.on('exit', (c) => reject(new Error(`gateway exited ${c}`)));
});
const url = `http://127.0.0.1:${port}/conversations?limit=20`;
const startedAt = Date.now();
await request(url).then((r) => r.body.dump());
if (hostile) {
  // The mirrors take their first copy while the vendors are well; then the vendors turn.
  for (;;) {
    const r = await request(`http://127.0.0.1:${port}/readyz`);
    const body = (await r.body.json()) as { mirrors?: Record<string, string> };
    if (Object.values(body.mirrors ?? {}).every((s) => s === 'ready')) break;
    if (Date.now() - startedAt > HOSTILE_AFTER_S * 1000) throw new Error(`mirrors not ready before the vendors turned hostile: ${JSON.stringify(body.mirrors)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  await new Promise((r) => setTimeout(r, startedAt + HOSTILE_AFTER_S * 1000 + 1000 - Date.now()));
}
const start = gatewayStats(child.pid!);
let maxRss = start.rssMb;
const sampler = setInterval(() => (maxRss = Math.max(maxRss, gatewayStats(child.pid!).rssMb)), 500);

/** Every credential and fixed query value the shipped config sends: none may reach a caller or a log. */
const secrets = await (async () => {
  const { vendors } = await loadConfig(join(root, 'config'), process.env);
  return vendors.flatMap((v) => {
    const c = credentialsOf(v);
    return [...Object.values(c.query), c.bearer, c.header?.value, c.basic?.password].filter((x): x is string => typeof x === 'string' && x.length >= 8);
  });
})();
const leaks = new Map<string, number>();
const leaked = (where: string, text: string) => {
  for (const s of secrets) if (text.includes(s)) leaks.set(where, (leaks.get(where) ?? 0) + 1);
};
const badRetryAfter = new Set<string>();
const seen: Record<string, unknown> = {};

const agent = new Agent({ connections: clients });
const statuses = new Map<string, number>();
const latencies: number[] = [];
const endAt = Date.now() + seconds * 1000;
/** Hostile: deep pages, a local filter matching nothing and the other order too, not only the first page. */
const urls = hostile
  ? [url, `${url}&offset=150`, `${url}&search=zzzz`, `${url}&orderBy=createdAt&orderDir=asc`, `${url}&onVendorError=fail&vendor=uncodie,superagentes`]
  : [url];
let turn = 0;
async function client(): Promise<void> {
  while (Date.now() < endAt) {
    const target = urls[turn++ % urls.length]!;
    const t = performance.now();
    let key: string;
    try {
      const res = await request(target, { dispatcher: agent, headersTimeout: 10_000, bodyTimeout: 10_000 });
      const text = await res.body.text();
      const body = JSON.parse(text) as { partial?: boolean };
      key = `${res.statusCode}${body.partial ? ' partial' : ''}${hostile && res.statusCode >= 500 ? ` ${target.slice(target.indexOf('?'))}` : ''}`;
      if (hostile) {
        leaked('response bodies', text);
        leaked('response headers', JSON.stringify(res.headers));
        const after = res.headers['retry-after'];
        if (after !== undefined && !/^[1-9]\d*$/.test(String(after))) badRetryAfter.add(String(after));
      }
    } catch (e) {
      key = `client error ${(e as Error).name}`;
    }
    latencies.push(performance.now() - t);
    statuses.set(key, (statuses.get(key) ?? 0) + 1);
  }
}
await Promise.all(Array.from({ length: clients }, client));
clearInterval(sampler);
const end = gatewayStats(child.pid!);
if (hostile) {
  const vendors = await request(`http://127.0.0.1:${port}/vendors`);
  const text = await vendors.body.text();
  leaked('/vendors', text);
  if (vendors.statusCode !== 200) statuses.set(`/vendors ${vendors.statusCode}`, 1);
  else {
    // What each vendor did to us, as the gateway saw it: its last error, and its mirror's last pass.
    type V = { name: string; state: { rateLimitedUntil: string | null; lastError: { code: string; message: string } | null }; mirror: { state: string; lastSync?: { error: { code: string; message: string } | null } | null } | null };
    for (const v of (JSON.parse(text) as { data: V[] }).data) {
      seen[v.name] = {
        lastError: v.state.lastError ? `${v.state.lastError.code}: ${v.state.lastError.message.slice(0, 120)}` : null,
        rateLimitedUntil: v.state.rateLimitedUntil,
        ...(v.mirror ? { mirror: v.mirror.state, lastSync: v.mirror.lastSync?.error ? `${v.mirror.lastSync.error.code}: ${v.mirror.lastSync.error.message.slice(0, 120)}` : 'ok' } : {}),
      };
    }
  }
}
await agent.close();
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
rmSync(dataDir, { recursive: true, force: true });
leaked('gateway log', log);

latencies.sort((a, b) => a - b);
const pct = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]! * 10) / 10;
const fiveHundreds = [...statuses].filter(([k]) => /^5\d\d/.test(k)).reduce((n, [, c]) => n + c, 0);
const report = {
  command: `npm run load -- --clients ${clients} --seconds ${seconds}${hostile ? ' --hostile' : ''}`,
  faults: hostile
    ? { siteassist: 'echoes our credentials in a 2xx text/plain body', uncodie: 'repeats its first page and cursor forever', superagentes: '429 with Retry-After: 99999999999999', from: `${HOSTILE_AFTER_S} s after start` }
    : { hanging: values.hang, flapping: `${values.flap} (503 every other 500 ms)`, deadlineMs: Number(values.timeoutMs) },
  requests: latencies.length,
  perSecond: Math.round(latencies.length / seconds),
  statuses: Object.fromEntries([...statuses].sort()),
  latencyMs: { p50: pct(50), p99: pct(99), max: pct(100) },
  gateway: { start, end, maxRssMb: maxRss },
  ...(hostile ? { vendors: seen } : {}),
  ...(hostile
    ? {
        checks: {
          fiveHundreds,
          credentialLeaks: Object.fromEntries(leaks),
          nonIntegerRetryAfter: [...badRetryAfter],
          // Bounded: within 300 MB of where the run began (the gateway's own caches are bounded far below that).
          rssBounded: maxRss - start.rssMb < 300,
        },
      }
    : {}),
};
console.log(JSON.stringify(report, null, 2));
if (hostile && (fiveHundreds > 0 || leaks.size > 0 || badRetryAfter.size > 0 || !(maxRss - start.rssMb < 300))) process.exitCode = 1;
