/**
 * Assembles a running gateway from a config folder and an env map: loads and compiles config, starts
 * embedded simulators for vendors without a base URL, and builds the app. Used by server.ts and tests.
 */
import { randomBytes } from 'node:crypto';
import type { Fault, SimulatorModule, Simulator, SimCredentials } from '../sim/kit.js';
import { startSimulator } from '../sim/kit.js';
import { createApp, type App, type Logger } from './app.js';
import { checkAuthConfig } from './inbound/auth.js';
import { compileVendors } from './config/compile.js';
import { loadConfig, type LoadedConfig } from './config/load.js';
import type { Env } from './config/interpolate.js';
import type { VendorConfig } from './config/vendor-schema.js';
import type { CompiledVendor } from './dialect/vendor.js';
import { createCursorCodec } from './merge/cursor.js';
import { totalHints } from './fanout/source.js';
import { createUpstream, type Upstream } from './upstream/index.js';
import { systemClock, type Clock } from './state/clock.js';
import { memoryStore, type StateStore } from './state/store.js';

export interface GatewayOptions {
  configDir: string;
  env: Env;
  logger: Logger;
  cursorSecret?: string;
  /** Simulators by name, started for vendors whose baseUrl is empty. Omit to never start one. */
  simulators?: Readonly<Record<string, SimulatorModule>>;
  simulatorData?: { seed: number; count: number };
  /** Faults to start embedded simulators with, by vendor name. */
  simulatorFaults?: Readonly<Record<string, Fault>>;
  /** Extra vendor configs (tests add dialects this way), as loaded YAML. */
  extraVendors?: VendorConfig[];
  /** Shared state (default: in memory, this process only). */
  store?: StateStore;
  /** Time (tests pass a manual clock). */
  clock?: Clock;
  /** False while draining: /readyz answers 503. */
  ready?: () => boolean;
}

export interface Gateway {
  app: App;
  store: StateStore;
  config: LoadedConfig;
  vendors: CompiledVendor[];
  upstream: Upstream;
  /** Embedded simulators by vendor name. */
  simulators: Map<string, Simulator>;
  close(): Promise<void>;
}

export async function buildGateway(opts: GatewayOptions): Promise<Gateway> {
  const config = await loadConfig(opts.configDir, opts.env);
  if (opts.extraVendors) config.vendors.push(...opts.extraVendors);
  // Before anything starts: AUTH_REQUIRED without clients, duplicate keys, unknown vendors are fatal.
  checkAuthConfig(config.gateway.inbound, config.vendors.map((v) => v.name));
  const simulators = new Map<string, Simulator>();
  const data = opts.simulatorData ?? { seed: 42, count: 300 };
  try {
    for (const v of config.vendors) {
      if (v.baseUrl !== '' || !v.simulator || !v.enabled) continue;
      const mod = opts.simulators?.[v.simulator];
      if (!mod) continue;
      const fault = opts.simulatorFaults?.[v.name] ?? null;
      const sim = await startSimulator(mod.behaviour(credentialsOf(v)), { data: mod.demoData(data.seed + simulators.size, data.count), fault });
      simulators.set(v.name, sim);
      v.baseUrl = sim.url;
      opts.logger.info({ vendor: v.name, url: sim.url, conversations: data.count, ...(fault ? { fault } : {}) }, 'started embedded simulator');
    }
    // Disabled vendors without a URL are fine: they are never called.
    for (const v of config.vendors) if (!v.enabled && v.baseUrl === '') v.baseUrl = 'http://disabled.invalid';
    const vendors = compileVendors(config);
    const store = opts.store ?? memoryStore();
    const clock = opts.clock ?? systemClock;
    const upstream = createUpstream({ store, clock, cacheMaxBytes: config.gateway.upstream.cacheMaxBytes });
    let secret = opts.cursorSecret;
    if (!secret) {
      secret = randomBytes(32).toString('base64url');
      opts.logger.warn({}, 'CURSOR_SECRET is unset: using a random one, so cursors stop working when this process restarts');
    }
    const cursors = createCursorCodec(secret, config.gateway.cursor.ttlSeconds);
    const app = createApp({ gateway: config.gateway, vendors, upstream, cursors, logger: opts.logger, store, clock, hints: totalHints(), ...(opts.ready ? { ready: opts.ready } : {}) });
    return {
      app,
      store,
      config,
      vendors,
      upstream,
      simulators,
      async close() {
        await upstream.close();
        await Promise.all([...simulators.values()].map((s) => s.close()));
      },
    };
  } catch (e) {
    await Promise.all([...simulators.values()].map((s) => s.close()));
    throw e;
  }
}

/** What a simulator must accept: exactly the credentials and fixed parameters the config sends. */
export function credentialsOf(v: VendorConfig): SimCredentials {
  const query: Record<string, string> = {};
  for (const [k, p] of Object.entries(v.request.query)) query[k] = typeof p === 'string' ? p : p.value;
  const a = v.auth;
  return {
    query,
    ...(a.type === 'bearer' && a.token ? { bearer: a.token } : {}),
    ...(a.type === 'header' && a.value ? { header: { name: a.name, value: a.value } } : {}),
    ...(a.type === 'basic' ? { basic: { username: a.username, password: a.password } } : {}),
  };
}
