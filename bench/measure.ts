/**
 * One measurement: autocannon (programmatic) against one system and one URL for a bounded time, with
 * latencies taken from its per-response events (sub-millisecond, 2xx only), the upstream cost of one request
 * made alone and of the loaded run (the simulators' counters), and the system's memory sampled while it runs.
 */
import autocannon from 'autocannon';
import { request } from 'undici';
import type { Memory, System } from './systems.js';
import type { VendorCounters, VendorSet } from './vendors.js';

export interface Measurement {
  system: string;
  path: string;
  connections: number;
  durationS: number;
  responses: number;
  /** Non-2xx answers, connection errors and timeouts. */
  errors: number;
  rps: number;
  p50: number;
  p99: number;
  /** Upstream calls and items for one request made alone (the simulators' counters). */
  upstreamPerResponse: number;
  itemsPerResponse: number;
  perVendor: Record<string, VendorCounters>;
  /** The same over the loaded run ÷ responses (includes the work of requests still in flight at the end). */
  loadUpstreamPerResponse: number;
  loadItemsPerResponse: number;
  /** Highest RSS and heap seen while the load ran. */
  peak: Memory;
  /** What one response said about itself (the gateway: sources[]). */
  sample: Sample;
  /** When the load ran, in µs of the monotonic clock (process.hrtime), to cut a CPU profile to it. */
  windowUs: [number, number];
  /** Items the gateway's sample response says it fetched (sum of sources[].fetched), as a cross-check. */
  sampleFetched: number | null;
}

export interface Sample {
  status: number;
  ms: number;
  partial?: boolean;
  total?: number | null;
  sources?: { vendor: string; status: string; fetched: number; calls: number }[];
  nextCursor?: string | null;
}

export interface LoadOptions {
  connections: number;
  /** Seconds; stretched to 3× one warm request (up to maxS) so slow pages still give samples. */
  durationS: number;
  maxS: number;
}

export async function probe(url: string): Promise<Sample> {
  const t = performance.now();
  const res = await request(url, { headersTimeout: 30_000, bodyTimeout: 30_000 });
  const text = await res.body.text();
  const ms = performance.now() - t;
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    /* the floor's concatenated bodies */
  }
  const pick = <K extends keyof Sample>(k: K): Partial<Sample> => (k in body ? { [k]: body[k] } : {});
  return { status: res.statusCode, ms, ...pick('partial'), ...pick('total'), ...pick('sources'), ...pick('nextCursor') };
}

export async function measure(system: System, path: string, vendors: VendorSet, opts: LoadOptions): Promise<Measurement> {
  const url = system.url + path;
  await vendors.quiet();
  // One request alone, which also warms connections, JIT and the simulators' memo: what it costs upstream
  // is exact here, while under load the requests in flight when the row ends blur the count.
  vendors.reset();
  const sample = await probe(url);
  if (sample.status !== 200) throw new Error(`${system.name} ${path}: answered ${sample.status}`);
  const alone = vendors.counters();
  const durationS = Math.min(opts.maxS, Math.max(opts.durationS, Math.ceil((3 * sample.ms) / 1000)));
  vendors.reset();
  const latencies: number[] = [];
  const peak: Memory = { rssMb: 0, heapUsedMb: 0, heapTotalMb: 0 };
  const sampleMemory = async () => {
    const m = await system.memory();
    peak.rssMb = Math.max(peak.rssMb, m.rssMb);
    peak.heapUsedMb = Math.max(peak.heapUsedMb, m.heapUsedMb);
    peak.heapTotalMb = Math.max(peak.heapTotalMb, m.heapTotalMb);
  };
  const timer = setInterval(() => void sampleMemory(), 250);
  const nowUs = () => Number(process.hrtime.bigint() / 1000n);
  const startUs = nowUs();
  const instance = autocannon({ url, connections: opts.connections, duration: durationS, timeout: 30 }) as unknown as autocannon.Instance &
    PromiseLike<autocannon.Result>;
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (status >= 200 && status < 300) latencies.push(ms);
  });
  const result = await instance;
  const windowUs: [number, number] = [startUs, nowUs()];
  clearInterval(timer);
  await sampleMemory();
  const loaded = vendors.counters();
  await vendors.quiet(); // abandoned requests still running must not count in the next row

  const responses = latencies.length + result.non2xx;
  const sum = (c: Record<string, VendorCounters>) => Object.values(c).reduce((a, x) => ({ calls: a.calls + x.calls, items: a.items + x.items }), { calls: 0, items: 0 });
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => (latencies.length === 0 ? Number.NaN : round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!, 1));
  const underLoad = sum(loaded);
  return {
    system: system.name,
    path,
    connections: opts.connections,
    durationS: round(result.duration, 1),
    responses,
    errors: result.non2xx + result.errors + result.timeouts,
    rps: round(responses / result.duration, 1),
    p50: pct(0.5),
    p99: pct(0.99),
    upstreamPerResponse: sum(alone).calls,
    itemsPerResponse: sum(alone).items,
    perVendor: alone,
    loadUpstreamPerResponse: responses === 0 ? Number.NaN : round(underLoad.calls / responses, 1),
    loadItemsPerResponse: responses === 0 ? Number.NaN : round(underLoad.items / responses, 1),
    peak,
    sample,
    windowUs,
    sampleFetched: sample.sources ? sample.sources.reduce((a, s) => a + s.fetched, 0) : null,
  };
}

export const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits;
