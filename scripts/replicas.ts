/**
 * How replicas behave toward vendors (not part of npm test). The same load — C clients for T seconds, a mix
 * of real queries spread round-robin over the replicas — against (a) one replica on memory, (b) one replica
 * on Redis, (c) two replicas each on its own memory, (d) two replicas sharing Redis; each with the vendor
 * cache off, then on. The vendor
 * simulators run in this process, so every vendor call is counted where it lands. Reports calls per vendor,
 * Uncodie's calls against its outbound budget for the window, statuses and latency, then a markdown table
 * for the README. Without a Redis (STATE_STORE_TEST_URL, else 127.0.0.1:6379) the Redis rows are skipped,
 * and said so.
 *
 *   npm run load:replicas -- --clients 20 --seconds 10
 */
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import { dropKeys, sharedSimulators, startGatewayProcess, testPrefix, testRedisUrl, type GatewayProcess } from '../test/helpers/redis.js';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '10' },
    // Uncodie documents 20 calls a minute; a short window needs the same shape at a faster rate to show it.
    'uncodie-per-minute': { type: 'string', default: '60' },
    'uncodie-burst': { type: 'string', default: '5' },
    'cache-ttl-ms': { type: 'string', default: '5000' },
    // Per vendor; Uncodie is read whole, one call per 100 conversations.
    conversations: { type: 'string', default: '120' },
  },
});

/** A positive number, or a TypeError that names the option. */
function positive(name: keyof typeof values): number {
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n <= 0) throw new TypeError(`--${name} must be a positive number, got ${JSON.stringify(values[name])}`);
  return n;
}
const clients = Math.floor(positive('clients'));
const seconds = positive('seconds');
const perMinute = positive('uncodie-per-minute');
const burst = positive('uncodie-burst');
const cacheTtlMs = positive('cache-ttl-ms');
const conversations = Math.floor(positive('conversations'));

/** The vendor with an outbound budget, whose calls are held against it. */
const BUDGETED = 'uncodie';
/** What a replica logs when it stops sharing state (src/state/redis-store.ts). */
const FALLBACK = 'Redis) unreachable or slow';
/**
 * Vendors skipped, none called: a fresh process compiles its request path on these, so the first measured
 * requests don't carry that cost, and no vendor budget or cache entry is spent on it.
 */
const WARM_UP = 'vendor=uncodie&status=open&limit=1';
const SECRET = 'replicas-load-secret-0123456789';

/**
 * What callers send, each client starting at its own place in the list. NEXT follows the nextCursor of that
 * client's last page that had one (to whichever replica is next: the cursor must work on any of them).
 */
const NEXT = 'next page';
const QUERIES = [
  'limit=10',
  'limit=10&status=open',
  'limit=10&vendor=siteassist',
  NEXT,
  'limit=20&orderBy=createdAt&orderDir=asc',
  'limit=10&vendor=siteassist,superagentes&createdAfter=2024-03-01T00:00:00Z',
  'limit=10&search=refund',
  NEXT,
];

interface Scenario {
  label: string;
  replicas: number;
  /** `memory`, or the Redis URL every replica shares. */
  store: string;
}

interface Run {
  scenario: Scenario;
  cache: boolean;
  requests: number;
  statuses: Map<string, number>;
  calls: Map<string, number>;
  seconds: number;
  /** Calls the budget allows one gateway in the window: burst + rate × seconds. */
  allowed: number;
  p50: number;
  p99: number;
  /**
   * Why a replica sharing Redis fell back to its own memory during the run (its log's err.message), or null.
   * Such a row is not what it says: budgets were per replica for a while.
   */
  fellBack: string | null;
}

const redisUrl = await testRedisUrl();
// (b) beside (a) is what Redis costs one replica; (d) beside (c) is what sharing buys two.
const scenarios: Scenario[] = [
  { label: '(a) 1 replica, memory', replicas: 1, store: 'memory' },
  ...(redisUrl ? [{ label: '(b) 1 replica, Redis', replicas: 1, store: redisUrl }] : []),
  { label: '(c) 2 replicas, memory each', replicas: 2, store: 'memory' },
  ...(redisUrl ? [{ label: '(d) 2 replicas, shared Redis', replicas: 2, store: redisUrl }] : []),
];

let interrupted = false;
process.once('SIGINT', () => {
  interrupted = true;
  console.warn('interrupted: finishing this run, then stopping everything');
});

const shared = await sharedSimulators(conversations);
const vendors = [...shared.sims.keys()];
const running = new Set<GatewayProcess>();
const runs: Run[] = [];

/** C clients for T seconds over the given replicas; statuses and sorted latencies. */
async function drive(urls: readonly string[]): Promise<{ statuses: Map<string, number>; latencies: number[]; seconds: number }> {
  const agent = new Agent({ connections: clients });
  const statuses = new Map<string, number>();
  const latencies: number[] = [];
  let sent = 0;
  const started = performance.now();
  const endAt = Date.now() + seconds * 1000;
  async function client(id: number): Promise<void> {
    let cursor: string | null = null;
    for (let i = id; Date.now() < endAt && !interrupted; i++) {
      const q = QUERIES[i % QUERIES.length]!;
      const query = q === NEXT ? (cursor ? `limit=10&cursor=${encodeURIComponent(cursor)}` : 'limit=10') : q;
      const url = `${urls[sent++ % urls.length]}/conversations?${query}`;
      const t = performance.now();
      let key: string;
      try {
        const res = await request(url, { dispatcher: agent, headersTimeout: 10_000, bodyTimeout: 10_000 });
        const body = (await res.body.json()) as { partial?: boolean; nextCursor?: string | null };
        key = `${res.statusCode}${body.partial ? ' partial' : ''}`;
        if (res.statusCode === 200) cursor = body.nextCursor ?? null;
      } catch (e) {
        key = `client error ${(e as Error).name}`;
      }
      latencies.push(performance.now() - t);
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
    }
  }
  await Promise.all(Array.from({ length: clients }, (_, id) => client(id)));
  const elapsed = (performance.now() - started) / 1000;
  await agent.close();
  return { statuses, latencies: latencies.sort((a, b) => a - b), seconds: elapsed };
}

function fallbackReason(log: string): string | null {
  const line = log.split('\n').find((l) => l.includes(FALLBACK));
  if (line === undefined) return null;
  try {
    return String((JSON.parse(line) as { err?: { message?: unknown } }).err?.message ?? 'no reason logged');
  } catch {
    return line;
  }
}

async function warmUp(g: GatewayProcess): Promise<void> {
  for (let i = 0; i < 30; i++) {
    const res = await g.get(`/conversations?${WARM_UP}`);
    if (res.status !== 200) throw new Error(`GET ${g.url}/conversations?${WARM_UP}: ${res.status} ${JSON.stringify(res.body)}`);
  }
}

async function run(scenario: Scenario, cache: boolean): Promise<Run> {
  const prefix = scenario.store === 'memory' ? null : testPrefix('replicas-load');
  const env: Record<string, string> = {
    ...shared.env,
    STATE_STORE: scenario.store,
    ...(prefix ? { STATE_STORE_PREFIX: prefix } : {}),
    CURSOR_SECRET: SECRET,
    // All clients share one address: lift the per-client limit so vendor budgets are what is measured.
    CLIENT_RATE_PER_MINUTE: '10000000',
    CLIENT_RATE_BURST: '100000',
    UNCODIE_RATE_PER_MINUTE: String(perMinute),
    UNCODIE_RATE_BURST: String(burst),
    VENDOR_CACHE_TTL_MS: cache ? String(cacheTtlMs) : '0',
  };
  const expected = scenario.store === 'memory' ? 'memory' : 'redis';
  const gateways: GatewayProcess[] = [];
  try {
    for (let i = 0; i < scenario.replicas; i++) {
      const g = await startGatewayProcess(env);
      gateways.push(g);
      running.add(g);
    }
    for (const g of gateways) {
      const ready = await g.get('/readyz');
      if (ready.body?.stateStore !== expected) throw new Error(`GET ${g.url}/readyz: expected stateStore ${expected}, got ${JSON.stringify(ready.body)}`);
    }
    await Promise.all(gateways.map(warmUp));
    const before = new Map(vendors.map((v) => [v, shared.sims.get(v)!.calls.length]));
    const load = await drive(gateways.map((g) => g.url));
    const calls = new Map(vendors.map((v) => [v, shared.sims.get(v)!.calls.length - before.get(v)!]));
    // A replica that lost Redis for a moment logged it, even if it is back by now.
    const fellBack = gateways.map((g) => fallbackReason(g.output())).find((r) => r !== null) ?? null;
    const pct = (p: number) => load.latencies[Math.min(load.latencies.length - 1, Math.floor((p / 100) * load.latencies.length))] ?? NaN;
    return {
      scenario,
      cache,
      requests: load.latencies.length,
      statuses: load.statuses,
      calls,
      seconds: load.seconds,
      allowed: Math.floor(burst + (perMinute / 60) * load.seconds),
      p50: pct(50),
      p99: pct(99),
      fellBack,
    };
  } finally {
    await Promise.all(
      gateways.map(async (g) => {
        await g.stop();
        running.delete(g);
      }),
    );
    if (prefix && redisUrl) await dropKeys(redisUrl, prefix);
  }
}

const ms = (n: number) => (Number.isNaN(n) ? '–' : String(Math.round(n)));
const statusText = (s: Map<string, number>) =>
  [...s]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `${k}: ${n}`)
    .join(', ');

try {
  for (const scenario of scenarios) {
    for (const cache of [false, true]) {
      if (interrupted) break;
      const r = await run(scenario, cache);
      runs.push(r);
      const calls = vendors.map((v) => `${v} ${r.calls.get(v)}${v === BUDGETED ? ` (budget ${r.allowed})` : ''}`).join(', ');
      console.info(
        `${scenario.label}, cache ${cache ? 'on' : 'off'}: ${r.requests} requests in ${r.seconds.toFixed(2)} s (${statusText(r.statuses)}); vendor calls ${calls}; p50 ${ms(r.p50)} ms, p99 ${ms(r.p99)} ms${r.fellBack ? `; a replica FELL BACK to memory (${r.fellBack})` : ''}`,
      );
    }
  }
} finally {
  await Promise.all([...running].map((g) => g.stop()));
  await shared.close();
}

// Throughput differs between rows (same clients and seconds): calls per 100 requests compare them.
const header = ['Scenario', 'Vendor cache', 'Requests', 'Statuses', ...vendors.map((v) => `${v} calls (per 100 req)`), `${BUDGETED} budget`, 'p50 ms', 'p99 ms'];
const rows = runs.map((r) => [
  r.scenario.label + (r.fellBack ? ' †' : ''),
  r.cache ? `on (${cacheTtlMs} ms)` : 'off',
  String(r.requests),
  statusText(r.statuses),
  ...vendors.map((v) => `${r.calls.get(v)} (${((100 * r.calls.get(v)!) / Math.max(1, r.requests)).toFixed(1)})`),
  String(r.allowed),
  ms(r.p50),
  ms(r.p99),
]);
console.log(
  [
    '',
    `${clients} clients for ${seconds} s per row, round-robin over the replicas; ${conversations} conversations per vendor; ` +
      `${BUDGETED} budget ${perMinute}/min, burst ${burst} (budget column: burst + rate × elapsed seconds, for one gateway).`,
    '',
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    ...(runs.some((r) => r.fellBack) ? ['', '† a replica lost Redis during the run (logged "unreachable or slow") and used its own memory for a while: budgets were per replica then.'] : []),
    ...(redisUrl ? [] : ['', '(b) and (d), with Redis: skipped, no Redis answers (STATE_STORE_TEST_URL unset, nothing on 127.0.0.1:6379).']),
    ...(interrupted ? ['', 'Interrupted: the last row ran short and later rows are missing.'] : []),
  ].join('\n'),
);
