/**
 * Assembles a running gateway from a config folder and an env map: loads and compiles config, starts
 * embedded simulators for vendors without a base URL, and builds the app. Used by server.ts and tests.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Fault, SimulatorModule, Simulator } from '../sim/kit.js';
import { credentialsOf, startSimulator } from '../sim/kit.js';
import { createApp, type App, type Logger } from './app.js';
import { checkAuthConfig } from './inbound/auth.js';
import { compileVendors } from './config/compile.js';
import { ConfigError, formatProblem, loadConfig, type ConfigProblem, type LoadedConfig } from './config/load.js';
import type { Env } from './config/interpolate.js';
import { chooseSimulated } from './config/simulators.js';
import type { VendorConfig } from './config/vendor-schema.js';
import type { CompiledVendor } from './dialect/vendor.js';
import { createCursorCodec } from './merge/cursor.js';
import { totalHints } from './sources/index.js';
import { createMetrics, type GatewayMetrics } from './metrics/metrics.js';
import { configHash, packageVersion } from './metrics/build.js';
import { createInboundGuards, type InboundGuards } from './inbound/guards.js';
import { VendorHealthTracker } from './ops/vendor-health.js';
import { createUpstream, type Upstream } from './upstream/index.js';
import { resetVendor } from './upstream/guard.js';
import { systemClock, type Clock } from './state/clock.js';
import { memoryStore, type StateStore } from './state/store.js';
import { describeStore, openMirrorDb } from './mirror/store/connect.js';
import { MirrorStore } from './mirror/store/mirror-store.js';
import { createMirrors, type Mirrors } from './mirror/mirrors.js';

/** How soon a mirror store that could not be opened is tried again. */
const MIRROR_RETRY_MS = 10_000;

export interface GatewayOptions {
  configDir: string;
  env: Env;
  logger: Logger;
  /** Where each answer's request line goes (default: `logger`). */
  requestLogger?: Pick<Logger, 'info' | 'warn'>;
  cursorSecret?: string;
  /** Simulators by name, started for vendors whose baseUrl is empty (see src/config/simulators.ts). Omit to never start one. */
  simulators?: Readonly<Record<string, SimulatorModule>>;
  /**
   * `auto` (default): simulators only while no enabled vendor has a base URL; `on`: also beside real vendors.
   * Either way a vendor without a base URL that no simulator serves is a ConfigError.
   */
  simulatorMode?: 'auto' | 'on';
  simulatorData?: { seed: number; count: number };
  /** Faults to start embedded simulators with, by vendor name. */
  simulatorFaults?: Readonly<Record<string, Fault>>;
  /** Extra vendor configs (tests add dialects this way), as loaded YAML. */
  extraVendors?: VendorConfig[];
  /** Shared state (default: in memory, this process only). */
  store?: StateStore;
  /** Per-client and per-address inbound buckets (default: `store.separate()`, sharing nothing with it). */
  inboundStore?: StateStore;
  /** Time (tests pass a manual clock). */
  clock?: Clock;
  /** False while draining: /readyz answers 503. */
  ready?: () => boolean;
  /**
   * Mirrors for the vendors whose YAML asks for one: where they live (`sqlite`, `sqlite::memory:`,
   * `sqlite:<file>`, `postgres://…`) and the data folder. Omit to read every vendor live.
   */
  mirrors?: { store: string; dataDir: string; leaseMs?: number };
  /** false: /metrics is left to a listener of its own (METRICS_PORT; serve `createMetricsApp` over `metrics`). */
  serveMetrics?: boolean;
  /** The commit this build is of (BUILD_COMMIT), for switchboard_build_info. */
  commit?: string;
}

export interface Gateway {
  /** The app serving new requests (replaced by a successful reload). */
  readonly app: App;
  /** Serve with this, not `app.fetch`, so a reload takes effect for new requests. */
  readonly fetch: App['fetch'];
  readonly store: StateStore;
  /** Where inbound limits live: apart from `store`, so no inbound flood evicts outbound state. */
  readonly inboundStore: StateStore;
  readonly config: LoadedConfig;
  readonly vendors: CompiledVendor[];
  readonly upstream: Upstream;
  /** Embedded simulators by vendor name. */
  readonly simulators: Map<string, Simulator>;
  /** The mirrors, when on. */
  readonly mirrors: Mirrors | undefined;
  /** The process's metrics (every app a reload builds counts into them). */
  readonly metrics: GatewayMetrics;
  /** The inbound guards that count across requests (overload, failed auth, downloads), one per process. */
  readonly guards: InboundGuards;
  /**
   * Reads the config folder again. A valid config serves new requests from now on (in-flight ones finish
   * on the old one) and forgets every vendor's 429 memory; an invalid one is refused with its problems and
   * the old config keeps serving.
   */
  reload(): Promise<{ ok: true; vendors: string[] } | { ok: false; problems: ConfigProblem[] }>;
  close(): Promise<void>;
}

/** One loaded, compiled config and the app built on it. */
interface Generation {
  app: App;
  config: LoadedConfig;
  vendors: CompiledVendor[];
}

export async function buildGateway(opts: GatewayOptions): Promise<Gateway> {
  const simulators = new Map<string, Simulator>();
  const data = opts.simulatorData ?? { seed: 42, count: 300 };
  const store = opts.store ?? memoryStore();
  // Its own bounded store: a flood of distinct client addresses (auth off) evicts only other addresses'
  // buckets, never a vendor's outbound budget, 429 memory or breaker.
  const inboundStore = opts.inboundStore ?? store.separate();
  const clock = opts.clock ?? systemClock;
  const hints = totalHints();
  // Counters and vendor health survive reloads: each new app is bound to the same ones.
  const metrics = createMetrics({ version: packageVersion(), ...(opts.commit ? { commit: opts.commit } : {}) });
  const health = new VendorHealthTracker();
  // Made with the first config; a reload changes their limits, never what they count.
  let guards: InboundGuards | undefined;
  let upstream: ReturnType<typeof createUpstream> | undefined;
  let mirrors: Mirrors | undefined;
  let mirrorRetry: NodeJS.Timeout | undefined;
  let secret = opts.cursorSecret;
  if (!secret) {
    secret = randomBytes(32).toString('base64url');
    opts.logger.warn({}, 'CURSOR_SECRET is unset: using a random one, so cursors stop working when this process restarts');
  }

  // Everything that outlives a reload (state, pools, simulators, hints, the cursor key) is made once above;
  // this builds what a config decides.
  const assemble = async (): Promise<Generation> => {
    const config = await loadConfig(opts.configDir, opts.env);
    if (opts.extraVendors) config.vendors.push(...structuredClone(opts.extraVendors));
    // Of the config as read, before embedded simulators' ports are filled in: replicas reading the same files agree.
    const hash = configHash({ gateway: config.gateway, vendors: config.vendors });
    // Before anything starts: AUTH_REQUIRED without clients, duplicate keys, unknown vendors are fatal.
    checkAuthConfig(config.gateway.inbound, config.vendors.map((v) => v.name));
    // Which vendors simulators serve is decided before any starts: demo data never mixes into real answers unasked.
    const choice = chooseSimulated(config, opts.simulators ? (opts.simulatorMode ?? 'auto') : 'off', Object.keys(opts.simulators ?? {}));
    if (choice.problems.length > 0) throw new ConfigError(choice.problems);
    for (const v of choice.simulated) {
      let sim = simulators.get(v.name);
      const mod = opts.simulators![v.simulator!]!;
      if (!sim) {
        const fault = opts.simulatorFaults?.[v.name] ?? null;
        sim = await startSimulator(mod.behaviour(credentialsOf(v)), { data: mod.demoData(data.seed + simulators.size, data.count), fault });
        simulators.set(v.name, sim);
        opts.logger.info({ vendor: v.name, url: sim.url, conversations: data.count, ...(fault ? { fault } : {}) }, 'started embedded simulator');
      }
      if (choice.real.length > 0) {
        opts.logger.warn({ vendor: v.name, realVendors: choice.real }, `SIMULATORS=on: ${v.name} is an embedded simulator, and its demo conversations are merged into answers with real vendors`);
      }
      v.baseUrl = sim.url;
    }
    // Disabled vendors without a URL are fine: they are never called.
    for (const v of config.vendors) if (!v.enabled && v.baseUrl === '') v.baseUrl = 'http://disabled.invalid';
    const vendors = compileVendors(config);
    upstream ??= createUpstream({ store, clock, cacheMaxBytes: config.gateway.upstream.cacheMaxBytes });
    if (opts.mirrors && !mirrors && !mirrorRetry && vendors.some((v) => v.mirror?.enabled)) {
      const db = await openMirrorDb(opts.mirrors.store, opts.mirrors.dataDir).catch((e: unknown) => {
        // No store is no reason not to serve: every vendor is read live, and the store is tried again.
        opts.logger.error({ store: describeStore(opts.mirrors!.store, opts.mirrors!.dataDir), err: { message: (e as Error).message } }, `mirror store can't be opened; every vendor is read live and the store is tried again in ${MIRROR_RETRY_MS / 1000} s`);
        mirrorRetry = setTimeout(() => {
          mirrorRetry = undefined;
          void assemble().then((g) => (current = g), () => undefined);
        }, MIRROR_RETRY_MS);
        mirrorRetry.unref();
        return null;
      });
      if (db) {
        opts.logger.info({ store: db.where, dialect: db.dialect }, 'mirror store open');
        mirrors = createMirrors({
          store: new MirrorStore(db),
          upstream: upstream.direct,
          clock,
          logger: opts.logger,
          holder: `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
          retainMs: config.gateway.cursor.ttlSeconds * 1000,
          onPass: (vendor, report) => metrics.observeSync(vendor, report),
          ...(opts.mirrors.leaseMs ? { leaseMs: opts.mirrors.leaseMs } : {}),
        });
      }
    }
    await mirrors?.reload(vendors);
    const cursors = createCursorCodec(secret, config.gateway.cursor.ttlSeconds);
    guards ??= createInboundGuards(config.gateway, { clock, logger: opts.logger });
    guards.configure(config.gateway);
    metrics.observeConfig(hash, clock.now());
    const app = createApp({ gateway: config.gateway, vendors, upstream, cursors, logger: opts.logger, ...(opts.requestLogger ? { requestLogger: opts.requestLogger } : {}), store, inboundStore, clock, hints, metrics, health, guards, ...(opts.serveMetrics === false ? { serveMetrics: false } : {}), ...(mirrors ? { mirrors } : {}), ...(opts.ready ? { ready: opts.ready } : {}) });
    return { app, config, vendors };
  };

  let current: Generation;
  try {
    current = await assemble();
  } catch (e) {
    clearTimeout(mirrorRetry);
    await mirrors?.close();
    await Promise.all([...simulators.values()].map((s) => s.close()));
    throw e;
  }
  const up = upstream!;
  /**
   * A reload is how an operator says "try again": every vendor's 429 memory goes (every account; in Redis,
   * for every replica), so a wait remembered under an old cap, token or host doesn't outlive the fix.
   * Breakers stay: they reopen by themselves when a probe fails. Best effort: a store that can't be reached
   * doesn't fail the reload.
   */
  const forget429Memory = async (names: string[]) => {
    for (const name of names) {
      try {
        const { blocks } = await resetVendor(store, name, { breakers: false });
        if (blocks > 0) opts.logger.info({ vendor: name, keys: blocks }, 'forgot the vendor\'s 429 memory (config reloaded)');
      } catch (e) {
        opts.logger.warn({ vendor: name, err: { message: (e as Error).message } }, 'could not forget the vendor\'s 429 memory on reload');
      }
    }
  };
  return {
    get app() {
      return current.app;
    },
    fetch: (req, ...rest) => current.app.fetch(req, ...rest),
    store,
    inboundStore,
    get config() {
      return current.config;
    },
    get vendors() {
      return current.vendors;
    },
    upstream: up,
    simulators,
    get mirrors() {
      return mirrors;
    },
    metrics,
    guards: guards!,
    async reload() {
      try {
        current = await assemble();
      } catch (e) {
        if (e instanceof ConfigError) {
          metrics.observeReload('refused');
          opts.logger.error({ problems: e.problems }, `config reload refused, the previous config keeps serving:\n${e.problems.map(formatProblem).join('\n')}`);
          return { ok: false, problems: e.problems };
        }
        throw e;
      }
      metrics.observeReload('ok');
      const names = current.vendors.filter((v) => v.enabled).map((v) => v.name);
      opts.logger.info({ vendors: names }, 'config reloaded');
      await forget429Memory(current.vendors.map((v) => v.name));
      return { ok: true, vendors: names };
    },
    async close() {
      clearTimeout(mirrorRetry);
      await mirrors?.close();
      await up.close();
      await Promise.all([...simulators.values()].map((s) => s.close()));
    },
  };
}
