/**
 * The gateway's Prometheus metrics: one prom-client Registry per gateway (never the global default, so
 * several apps in one process don't collide). Counters are fed by the HTTP middleware and by each
 * /conversations result; breaker states and cache counts are read from their owners at scrape time.
 * Every label value comes from a bounded set: route patterns, HTTP methods and statuses, configured
 * vendor names, error codes.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { SourceReport } from '../conversations/list.js';
import type { BreakerRecord, StateStore } from '../state/store.js';
import type { CacheStats } from '../upstream/cache.js';
import type { Upstream } from '../upstream/client.js';
import { breakerKey } from '../upstream/guard.js';
import { processRegistry } from './process.js';
import type { MirrorState, MirrorStatus } from '../mirror/mirrors.js';
import type { PassReport } from '../mirror/store/mirror-store.js';

/** What the scrape-time metrics read; the newest app's (a config reload binds its own). */
export interface ScrapeSources {
  vendors: readonly { name: string; origin?: string }[];
  store: Pick<StateStore, 'breaker' | 'mode' | 'fallbacks'>;
  upstream: Upstream;
  /** The configured client ids: the only values of the `client` label. */
  clients?: readonly string[];
  /** The overload guard's counts of requests in progress and waiting. */
  overload?: { readonly active: number; readonly queued: number };
  /** The same for the requests that may hold many vendor items (http.maxHeavy). */
  heavy?: { readonly active: number; readonly queued: number };
  /** Mirror rows, lag and state, read at scrape time. */
  mirrors?: { status(): Promise<Map<string, MirrorStatus>> };
}

export interface HttpLabels {
  route: string;
  method: string;
  status: number;
}

export interface GatewayMetrics {
  readonly registry: Registry;
  readonly contentType: string;
  observeRequest(labels: HttpLabels, seconds: number): void;
  /** One answer, by who asked (a client id, or undefined) and, for a refusal, its problem code. */
  observeClient(clientId: string | undefined, status: number, code: string | undefined): void;
  /** A config loaded (at start or by a reload): its hash. */
  observeConfig(hash: string, loadedAtMs: number): void;
  observeReload(result: 'ok' | 'refused'): void;
  /** One /conversations answer: every vendor's part in it. */
  observeSources(sources: readonly SourceReport[]): void;
  /** A /conversations request every included vendor failed: only their codes are known. */
  observeFailures(errors: readonly { vendor: string; code: string }[]): void;
  /** One mirror sync pass (full, incremental or head), done or failed. */
  observeSync(vendor: string, report: PassReport): void;
  /** The same upstream, telling the metrics of each wait for an outbound token. */
  instrument(upstream: Upstream): Upstream;
  bind(sources: ScrapeSources): void;
  /** The exposition text: this gateway's metrics, then the process's. */
  scrape(): Promise<string>;
}

export const BREAKER_STATE: Record<BreakerRecord['state'], number> = { closed: 0, 'half-open': 1, open: 2 };
export const MIRROR_STATE: Record<MirrorState, number> = { warming: 0, ready: 1, stale: 2, error: 3 };

/** What the build says of itself, for switchboard_build_info. */
export interface BuildInfo {
  version: string;
  commit?: string;
}

const CACHE_RESULTS = [
  ['hit', 'hits'],
  ['stale', 'staleHits'],
  ['miss', 'misses'],
  ['coalesced', 'coalesced'],
  ['shared_hit', 'sharedHits'],
  ['shared_wait', 'sharedWaits'],
] as const satisfies readonly (readonly [string, keyof CacheStats])[];

export function createMetrics(build: BuildInfo = { version: 'unknown' }): GatewayMetrics {
  const registry = new Registry();
  const registers = [registry];
  let bound: ScrapeSources | undefined;

  const httpRequests = new Counter({
    name: 'switchboard_http_requests_total',
    help: 'HTTP requests answered, by matched route pattern (unmatched: no route), method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    registers,
  });
  const httpDuration = new Histogram({
    name: 'switchboard_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by matched route pattern, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    registers,
  });
  const vendorRequests = new Counter({
    name: 'switchboard_vendor_requests_total',
    help: "Each vendor's part in /conversations requests, by outcome: ok, skipped, or the unified error code.",
    labelNames: ['vendor', 'outcome'] as const,
    registers,
  });
  const vendorLatency = new Histogram({
    name: 'switchboard_vendor_latency_seconds',
    help: "Time spent in a vendor's calls for one /conversations request (requests that called it).",
    labelNames: ['vendor'] as const,
    registers,
  });
  const perVendor = (name: string, help: string) => new Counter({ name, help, labelNames: ['vendor'] as const, registers });
  const fetched = perVendor('switchboard_vendor_items_fetched_total', 'Raw items received from a vendor.');
  const dropped = perVendor('switchboard_vendor_items_dropped_total', 'Vendor items dropped because they could not be mapped (no id, unreadable timestamp).');
  const retries = perVendor('switchboard_vendor_retries_total', 'Vendor calls repeated after a transient failure.');
  const calls = perVendor('switchboard_vendor_calls_total', 'Calls made to a vendor (pages asked for, retries not counted).');
  const waited = perVendor('switchboard_vendor_ratelimit_wait_seconds_total', "Time spent waiting for a token of a vendor's outbound budget.");

  new Gauge({
    name: 'switchboard_vendor_breaker_state',
    help: "A vendor's circuit breaker: 0 closed, 1 half-open, 2 open.",
    labelNames: ['vendor'] as const,
    registers,
    async collect() {
      this.reset();
      if (!bound) return;
      const { vendors, store } = bound;
      const states = await Promise.all(vendors.map((v) => store.breaker(breakerKey(v.name, v.origin)).then((r) => BREAKER_STATE[r.state], () => null)));
      // A store that can't answer leaves the vendor out of this scrape rather than failing all of it.
      vendors.forEach((v, i) => {
        const state = states[i];
        if (state !== null && state !== undefined) this.set({ vendor: v.name }, state);
      });
    },
  });
  new Gauge({
    name: 'switchboard_state_store_fallback',
    help: 'The shared state store (Redis) is unreachable and this replica uses its own in-memory state: 1, else 0.',
    registers,
    collect() {
      this.set(bound?.store.mode?.() === 'fallback:memory' ? 1 : 0);
    },
  });
  new Counter({
    name: 'switchboard_state_store_fallbacks_total',
    help: 'Times the shared state store (Redis) became unreachable or slow and this replica fell back to its own in-memory state.',
    registers,
    collect() {
      this.reset();
      const n = bound?.store.fallbacks?.() ?? 0;
      if (n > 0) this.inc(n);
    },
  });
  new Counter({
    name: 'switchboard_vendor_cache_total',
    help: 'Vendor response cache lookups, by vendor and result: hit, stale (served while refreshing), miss, coalesced (joined an identical call in flight here); with a shared store, shared_hit (a miss answered by another replica\'s page in Redis) and shared_wait (a miss that waited for another replica\'s call).',
    labelNames: ['vendor', 'result'] as const,
    registers,
    collect() {
      this.reset();
      const byVendor = bound && cacheStatsOf(bound.upstream);
      if (!byVendor) return;
      // Configured vendors only, each with every result (0 until it happens), so rate() sees the first one.
      for (const { name: vendor } of bound!.vendors) {
        const stats = byVendor.get(vendor);
        for (const [result, field] of CACHE_RESULTS) this.inc({ vendor, result }, stats?.[field] ?? 0);
      }
    },
  });

  // Per client: the label is a configured client id (auth sets it from gateway.yaml) or `anonymous`, never
  // anything a caller wrote; an id no longer configured after a reload is counted as anonymous.
  const clientRequests = new Counter({
    name: 'switchboard_client_requests_total',
    help: 'HTTP requests answered, by client (a configured client id, or anonymous: auth off, no key or a wrong one) and status class (2xx, 3xx, 4xx, 5xx).',
    labelNames: ['client', 'class'] as const,
    registers,
  });
  const clientRefusals = new Counter({
    name: 'switchboard_client_refusals_total',
    help: 'Requests refused (4xx, and 503 OVERLOADED), by client and problem code.',
    labelNames: ['client', 'code'] as const,
    registers,
  });
  new Gauge({
    name: 'switchboard_inflight_requests',
    help: '/conversations requests being worked on now (bounded by http.maxConcurrent).',
    registers,
    collect() {
      this.set(bound?.overload?.active ?? 0);
    },
  });
  new Gauge({
    name: 'switchboard_queued_requests',
    help: '/conversations requests waiting for a turn now (bounded by http.maxQueued).',
    registers,
    collect() {
      this.set(bound?.overload?.queued ?? 0);
    },
  });
  new Gauge({
    name: 'switchboard_inflight_heavy_requests',
    help: 'Of those being worked on, the ones reading a vendor whole or deeper than limits.maxLimit (bounded by http.maxHeavy).',
    registers,
    collect() {
      this.set(bound?.heavy?.active ?? 0);
    },
  });
  new Gauge({
    name: 'switchboard_queued_heavy_requests',
    help: 'Requests admitted but waiting for a turn to read a vendor whole or deep (bounded by http.maxQueued).',
    registers,
    collect() {
      this.set(bound?.heavy?.queued ?? 0);
    },
  });
  const reloads = new Counter({
    name: 'switchboard_config_reloads_total',
    help: 'Config reloads (SIGHUP or a changed file), by result: ok, or refused (the previous config keeps serving).',
    labelNames: ['result'] as const,
    registers,
  });
  for (const result of ['ok', 'refused']) reloads.inc({ result }, 0);
  const configInfo = new Gauge({
    name: 'switchboard_config_info',
    help: 'The config this process serves: 1, labelled with a hash of it (gateway.yaml and vendor YAML as loaded, variables substituted). Replicas with different hashes serve different configs.',
    labelNames: ['hash'] as const,
    registers,
  });
  const configLoaded = new Gauge({
    name: 'switchboard_config_loaded_timestamp_seconds',
    help: 'When the config this process serves was loaded (Unix time).',
    registers,
  });
  new Gauge({
    name: 'switchboard_build_info',
    help: 'The build: 1, labelled with the version, the Node.js version and the commit (unknown unless BUILD_COMMIT is set).',
    labelNames: ['version', 'node_version', 'commit'] as const,
    registers,
  }).set({ version: build.version, node_version: process.versions.node, commit: build.commit ?? 'unknown' }, 1);
  let clientIds: ReadonlySet<string> = new Set();

  const syncPasses = new Counter({
    name: 'switchboard_mirror_sync_total',
    help: 'Mirror sync passes, by vendor, kind (full, incremental, head) and outcome (ok, or the unified error code).',
    labelNames: ['vendor', 'kind', 'outcome'] as const,
    registers,
  });
  const syncDuration = new Histogram({
    name: 'switchboard_mirror_sync_duration_seconds',
    help: 'Time a mirror sync pass took, waits for the outbound budget included, by vendor and kind.',
    labelNames: ['vendor', 'kind'] as const,
    buckets: [0.05, 0.25, 1, 5, 15, 60, 300, 900, 3600],
    registers,
  });
  const syncCalls = perVendor('switchboard_mirror_sync_calls_total', 'Vendor calls made by mirror syncs.');
  const syncItems = perVendor('switchboard_mirror_sync_items_total', 'Items mirror syncs received from a vendor.');
  const mirrorGauge = (name: string, help: string, value: (s: MirrorStatus) => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: ['vendor'] as const,
      registers,
      async collect() {
        this.reset();
        const statuses = await bound?.mirrors?.status().catch(() => undefined);
        for (const [vendor, s] of statuses ?? []) {
          const v = value(s);
          if (v !== null) this.set({ vendor }, v);
        }
      },
    });
  mirrorGauge('switchboard_mirror_rows', "Conversations in a vendor's mirror.", (s) => s.rows);
  mirrorGauge('switchboard_mirror_lag_seconds', "How long ago a vendor's mirror was last known complete (absent while warming).", (s) => (s.lagMs === null ? null : s.lagMs / 1000));
  mirrorGauge('switchboard_mirror_state', "A vendor's mirror: 0 warming, 1 ready, 2 stale (lag over mirror.maxLagMs), 3 error (its last pass failed).", (s) => MIRROR_STATE[s.state]);

  return {
    registry,
    contentType: registry.contentType,
    observeSync(vendor, report) {
      const kind = report.kind;
      syncPasses.inc({ vendor, kind, outcome: report.error?.code ?? 'ok' });
      syncDuration.observe({ vendor, kind }, report.durationMs / 1000);
      syncCalls.inc({ vendor }, report.calls);
      syncItems.inc({ vendor }, report.items);
    },
    observeRequest(labels, seconds) {
      const l = { route: labels.route, method: labels.method, status: String(labels.status) };
      httpRequests.inc(l);
      httpDuration.observe(l, seconds);
    },
    observeClient(clientId, status, code) {
      const client = clientId !== undefined && clientIds.has(clientId) ? clientId : 'anonymous';
      clientRequests.inc({ client, class: `${Math.floor(status / 100)}xx` });
      if (code !== undefined && (status < 500 || code === 'OVERLOADED')) clientRefusals.inc({ client, code });
    },
    observeConfig(hash, loadedAtMs) {
      configInfo.reset();
      configInfo.set({ hash }, 1);
      configLoaded.set(loadedAtMs / 1000);
    },
    observeReload(result) {
      reloads.inc({ result });
    },
    observeSources(sources) {
      for (const s of sources) {
        const vendor = s.vendor;
        const outcome = s.status === 'error' ? (s.error?.code ?? 'UPSTREAM_ERROR') : s.status;
        vendorRequests.inc({ vendor, outcome });
        if (s.calls > 0) vendorLatency.observe({ vendor }, s.latencyMs / 1000);
        fetched.inc({ vendor }, s.fetched);
        dropped.inc({ vendor }, s.dropped);
        retries.inc({ vendor }, s.retries);
        calls.inc({ vendor }, s.calls);
      }
    },
    observeFailures(errors) {
      for (const e of errors) vendorRequests.inc({ vendor: e.vendor, outcome: e.code });
    },
    instrument(upstream) {
      return {
        close: () => upstream.close(),
        get(vendor, req, opts) {
          return upstream.get(vendor, req, {
            ...opts,
            onWait: (ms) => {
              waited.inc({ vendor: vendor.name }, ms / 1000);
              opts.onWait?.(ms);
            },
          });
        },
      };
    },
    bind(sources) {
      bound = sources;
      clientIds = new Set(sources.clients ?? []);
      for (const client of clientIds) clientRequests.inc({ client, class: '2xx' }, 0);
      // Series exist from the start, so rate() sees a vendor's first increment.
      for (const { name: vendor } of sources.vendors) {
        for (const c of [fetched, dropped, retries, calls, waited]) c.inc({ vendor }, 0);
        vendorRequests.inc({ vendor, outcome: 'ok' }, 0);
      }
    },
    async scrape() {
      return Registry.merge([registry, processRegistry()]).metrics();
    },
  };
}

function cacheStatsOf(upstream: Upstream): ReadonlyMap<string, CacheStats> | undefined {
  return 'statsByVendor' in upstream ? (upstream as Upstream & { statsByVendor: ReadonlyMap<string, CacheStats> }).statsByVendor : undefined;
}
