/**
 * The three seed vendors' simulators, started in the bench process on loopback with a fixed added latency.
 * Each simulator's answers are memoised per exact request, so what a system under test waits for is the
 * configured latency and not the simulator re-sorting 20,000 rows on the bench's shared CPU. Counts every
 * call and every item each vendor sent, for "upstream requests and items per response".
 */
import { loadConfig } from '../src/config/load.js';
import type { VendorConfig } from '../src/config/vendor-schema.js';
import { compilePath } from '../src/dialect/path.js';
import { credentialsOf } from '../sim/kit.js';
import { simulators } from '../sim/index.js';
import { startSimulator, type SimRequest, type SimResponse, type Simulator, type VendorBehaviour } from '../sim/kit.js';
import type { CanonicalConversation } from '../sim/canonical.js';
import type { FloorUpstream } from './floor.js';

/**
 * Credentials as the shipped configs default them: both sides of every call read the same values. Set
 * explicitly: to a gateway the simulators here are real vendors, which never get a default credential.
 */
export const VENDOR_ENV: Record<string, string> = {
  SUPERAGENTES_TOKEN: 'demo-superagentes-token',
  SITEASSIST_TOKEN: 'demo-siteassist-token',
  UNCODIE_API_KEY: '',
  UNCODIE_SITE_ID: '9be0a6a2-5567-41bf-ad06-cb4014f0faf2',
};

export interface VendorCounters {
  calls: number;
  items: number;
}

/** Calls, items and body bytes a vendor answered since the simulators started (never reset). */
export interface Tally {
  calls: number;
  items: number;
  bytes: number;
}

/** One call made by a mirror sync (its request id is `mirror-sync-<vendor>`). */
export interface SyncCall {
  vendor: string;
  /** When it was answered (epoch ms). */
  at: number;
  query: string;
  items: number;
  bytes: number;
}

/** A mirror sync's requests carry this request id prefix (src/mirror/sync.ts), live requests never do. */
export const isSyncCall = (headers: Readonly<Record<string, unknown>>): boolean => String(headers['x-request-id'] ?? '').startsWith('mirror-sync-');

export interface VendorSet {
  readonly names: readonly string[];
  readonly sims: ReadonlyMap<string, Simulator>;
  /** `*_BASE_URL` and tokens, for the systems under test. */
  readonly env: Record<string, string>;
  setSizes(sizes: Readonly<Record<string, number>>): void;
  setLatency(ms: number, vendor?: string): void;
  /** Forgets the memoised answers (of one vendor, or all): call it after changing a simulator's `data`. */
  invalidate(vendor?: string): void;
  reset(): void;
  counters(): Record<string, VendorCounters>;
  /** Cumulative per vendor, split into requests made for callers (live) and by mirror syncs (sync). */
  tally(): Record<string, { live: Tally; sync: Tally }>;
  /** Every mirror sync call answered so far, oldest first. */
  readonly syncCalls: readonly SyncCall[];
  /** Resolves once no vendor has received a call for `quietMs` (abandoned work of the last row has ended). */
  quiet(quietMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * The calls the simulators received (those `keep` accepts), as the floor replays them: origin, path and
 * query as sent, and the headers that matter to the vendor.
 */
export function recordedUpstreams(v: VendorSet, keep: (c: SimRequest) => boolean = () => true): FloorUpstream[] {
  return [...v.sims].flatMap(([, sim]) =>
    sim.calls.filter(keep).map((c) => ({
      origin: sim.url,
      path: `${c.path}?${c.query.toString()}`,
      headers: Object.fromEntries(
        Object.entries(c.headers)
          .filter(([k]) => !['host', 'connection', 'x-request-id', 'content-length'].includes(k))
          .map(([k, val]) => [k, Array.isArray(val) ? val.join(', ') : String(val)]),
      ),
    })),
  );
}

const MEMO_MAX = 5_000;
const SEED = 42;

export async function startVendors(opts: { configDir: string; latencyMs: number; sizes: Readonly<Record<string, number>> }): Promise<VendorSet> {
  const config = await loadConfig(opts.configDir, { ...VENDOR_ENV });
  const vendors = config.vendors.filter((v) => v.enabled && v.simulator && simulators[v.simulator]);
  const sims = new Map<string, Simulator>();
  const items = new Map<string, number>();
  const memos = new Map<string, Map<string, { res: SimResponse; count: number; bytes: number }>>();
  const datasets = new Map<string, CanonicalConversation[]>();
  const tallies = new Map<string, { live: Tally; sync: Tally }>();
  const syncCalls: SyncCall[] = [];
  const env: Record<string, string> = { ...VENDOR_ENV };

  const dataFor = (v: VendorConfig, index: number, count: number) => {
    const key = `${v.name}:${count}`;
    let d = datasets.get(key);
    if (!d) datasets.set(key, (d = simulators[v.simulator!]!.demoData(SEED + index, count)));
    return d;
  };

  try {
    for (const [index, v] of vendors.entries()) {
      const memo = new Map<string, { res: SimResponse; count: number; bytes: number }>();
      memos.set(v.name, memo);
      items.set(v.name, 0);
      const tally = { live: { calls: 0, items: 0, bytes: 0 }, sync: { calls: 0, items: 0, bytes: 0 } };
      tallies.set(v.name, tally);
      const onAnswer = (req: SimRequest, n: number, bytes: number) => {
        items.set(v.name, items.get(v.name)! + n);
        const sync = isSyncCall(req.headers);
        const t = sync ? tally.sync : tally.live;
        t.calls++;
        t.items += n;
        t.bytes += bytes;
        if (sync) syncCalls.push({ vendor: v.name, at: Date.now(), query: req.query.toString(), items: n, bytes });
      };
      const sim = await startSimulator(memoised(simulators[v.simulator!]!.behaviour(credentialsOf(v)), v, memo, onAnswer), {
        data: dataFor(v, index, opts.sizes[v.name] ?? 300),
        latencyMs: opts.latencyMs,
      });
      sims.set(v.name, sim);
      env[`${v.name.toUpperCase()}_BASE_URL`] = sim.url;
    }
  } catch (e) {
    await Promise.all([...sims.values()].map((s) => s.close()));
    throw e;
  }

  return {
    names: vendors.map((v) => v.name),
    sims,
    env,
    setSizes(sizes) {
      for (const [index, v] of vendors.entries()) {
        const want = sizes[v.name];
        const sim = sims.get(v.name)!;
        if (want === undefined || sim.data.length === want) continue;
        sim.data = dataFor(v, index, want);
        memos.get(v.name)!.clear();
      }
    },
    setLatency(ms, vendor) {
      for (const [name, sim] of sims) if (vendor === undefined || vendor === name) sim.latencyMs = ms;
    },
    invalidate(vendor) {
      for (const [name, memo] of memos) if (vendor === undefined || vendor === name) memo.clear();
    },
    reset() {
      for (const [name, sim] of sims) {
        sim.calls.length = 0;
        items.set(name, 0);
      }
    },
    counters() {
      return Object.fromEntries([...sims].map(([name, sim]) => [name, { calls: sim.calls.length, items: items.get(name)! }]));
    },
    tally() {
      return Object.fromEntries([...tallies].map(([name, t]) => [name, { live: { ...t.live }, sync: { ...t.sync } }]));
    },
    syncCalls,
    async quiet(quietMs = 150) {
      const total = () => [...sims.values()].reduce((a, sim) => a + sim.calls.length, 0);
      const latency = Math.max(...[...sims.values()].map((sim) => sim.latencyMs));
      const until = Date.now() + 30_000;
      let last = total();
      let stillSince = Date.now();
      while (Date.now() < until) {
        await new Promise((r) => setTimeout(r, 50));
        const now = total();
        if (now !== last) [last, stillSince] = [now, Date.now()];
        else if (Date.now() - stillSince >= Math.max(quietMs, 2 * latency + 50)) return;
      }
    },
    close: async () => void (await Promise.all([...sims.values()].map((s) => s.close()))),
  };
}

/** Answers from memory when the same request (query and credentials) was answered before; counts items sent. */
function memoised(
  inner: VendorBehaviour,
  v: VendorConfig,
  memo: Map<string, { res: SimResponse; count: number; bytes: number }>,
  onAnswer: (req: SimRequest, items: number, bytes: number) => void,
): VendorBehaviour {
  const itemsOf = compilePath(v.response.items);
  return {
    error: (kind, o) => inner.error(kind, o),
    handle(req, data) {
      const h = req.headers;
      const key = `${req.method} ${req.path}?${req.query.toString()} ${h.authorization ?? ''} ${String(h['x-api-key'] ?? '')}`;
      let hit = memo.get(key);
      if (!hit) {
        const res = inner.handle(req, data);
        const list = res.status === 200 ? itemsOf(res.body) : undefined;
        const body = typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
        hit = { res: { ...res, body }, count: Array.isArray(list) ? list.length : 0, bytes: Buffer.byteLength(body) };
        if (memo.size >= MEMO_MAX) memo.delete(memo.keys().next().value!);
        memo.set(key, hit);
      }
      onAnswer(req, hit.count, hit.bytes);
      return hit.res;
    },
  };
}
