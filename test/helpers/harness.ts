/**
 * Starts a real gateway on loopback over real simulators, with the vendors and data a test chooses.
 * Config comes from the real YAML files (copied into a temp folder so a test can pick vendors and
 * override gateway.yaml), so tests exercise exactly what ships.
 */
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import type { CanonicalConversation } from '../../sim/canonical.js';
import { simulators as seedSimulators } from '../../sim/index.js';
import type { Fault, Simulator, SimulatorModule } from '../../sim/kit.js';
import type { Logger } from '../../src/app.js';
import type { Env } from '../../src/config/interpolate.js';
import { buildGateway, type Gateway } from '../../src/gateway.js';
import type { Clock } from '../../src/state/clock.js';
import { memoryStore, type MemoryStore } from '../../src/state/store.js';
import { dialectVendors } from '../dialects/index.js';
import { getJson } from './http.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface VendorUnderTest {
  name: string;
  module: SimulatorModule;
  configFile: string;
}

export const SEED_VENDORS: VendorUnderTest[] = Object.entries(seedSimulators).map(([name, module]) => ({
  name,
  module,
  configFile: join(ROOT, 'config/vendors', `${name}.yaml`),
}));
export const DIALECT_VENDORS: VendorUnderTest[] = Object.entries(dialectVendors).map(([name, d]) => ({ name, ...d }));
export const ALL_VENDORS = [...SEED_VENDORS, ...DIALECT_VENDORS];

/** Collects log lines so tests can assert on them (and keep the output quiet). */
export function memoryLogger(): Logger & { lines: { level: string; obj: object; msg?: string }[] } {
  const lines: { level: string; obj: object; msg?: string }[] = [];
  const at = (level: string) => (obj: object, msg?: string) => void lines.push({ level, obj, ...(msg !== undefined ? { msg } : {}) });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

export interface Harness {
  gateway: Gateway;
  /** The temp config folder the gateway reads (tests edit it and reload). */
  configDir: string;
  url: string;
  sims: Map<string, Simulator>;
  logger: ReturnType<typeof memoryLogger>;
  /** Forget breaker, 429-memory and rate-limit state, so one case's faults don't leak into the next. */
  resetState(): void;
  /** Waits until every mirror has finished its first full read (throws after `ms`). */
  mirrorsReady(ms?: number): Promise<void>;
  /** GET a path on the gateway over real HTTP; the body parsed as JSON. */
  get(path: string, headers?: Record<string, string>): Promise<{ status: number; headers: Record<string, string>; body: any }>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  vendors?: VendorUnderTest[];
  /** Data per vendor name; defaults to each simulator's demo data. */
  data?: Record<string, CanonicalConversation[]>;
  /** Replaces config/gateway.yaml. */
  gatewayYaml?: string;
  env?: Env;
  cursorSecret?: string;
  /** Time for the gateway (default: the system clock). */
  clock?: Clock;
  /**
   * Mirrors on, in this store (default none: every vendor is read live). `serveAlways` adds
   * `mirror: {serve: always}` to each vendor YAML that has no mirror block, so every vendor is mirrored.
   */
  mirrors?: { store?: string; serveAlways?: boolean; leaseMs?: number };
  /** Faults the simulators start with (before the gateway makes its first call). */
  faults?: Record<string, Fault>;
  /** Most keys each in-memory state store holds (default: the store's own bound). */
  stateKeys?: number;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const vendors = opts.vendors ?? SEED_VENDORS;
  const dir = await mkdtemp(join(tmpdir(), 'switchboard-test-'));
  await mkdir(join(dir, 'vendors'));
  await writeFile(join(dir, 'gateway.yaml'), opts.gatewayYaml ?? (await readFile(join(ROOT, 'config/gateway.yaml'), 'utf8')));
  const registry: Record<string, SimulatorModule> = {};
  for (const v of vendors) {
    let yaml = await readFile(v.configFile, 'utf8');
    if (!/^simulator:/m.test(yaml)) yaml = `simulator: ${v.name}\n${yaml}`;
    if (opts.mirrors?.serveAlways && !/^mirror:/m.test(yaml)) yaml += '\nmirror:\n  serve: always\n';
    await writeFile(join(dir, 'vendors', `${v.name}.yaml`), yaml);
    const data = opts.data?.[v.name];
    registry[v.name] = data ? { ...v.module, demoData: () => data } : v.module;
  }
  const logger = memoryLogger();
  const store = memoryStore(opts.stateKeys ? { maxKeys: opts.stateKeys } : {});
  const gateway = await buildGateway({
    store,
    configDir: dir,
    // Tests that aren't about inbound limits shouldn't meet them (test/inbound sets its own).
    env: { CLIENT_RATE_PER_MINUTE: '1000000', CLIENT_RATE_BURST: '100000', UNCODIE_RATE_PER_MINUTE: '1000000', UNCODIE_RATE_BURST: '100000', ...opts.env },
    logger,
    simulators: registry,
    cursorSecret: opts.cursorSecret ?? 'test-secret-0123456789abcdef',
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.faults ? { simulatorFaults: opts.faults } : {}),
    ...(opts.mirrors ? { mirrors: { store: opts.mirrors.store ?? 'sqlite::memory:', dataDir: dir, ...(opts.mirrors.leaseMs ? { leaseMs: opts.mirrors.leaseMs } : {}) } } : {}),
  });
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: gateway.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  return {
    gateway,
    configDir: dir,
    url,
    sims: gateway.simulators,
    logger,
    resetState: () => {
      store.clear();
      // The gateway's own inbound store (a `separate()` of this memory store).
      (gateway.inboundStore as MemoryStore).clear();
    },
    async mirrorsReady(ms = 20_000) {
      const until = Date.now() + ms;
      for (;;) {
        const statuses = [...((await gateway.mirrors?.status()) ?? new Map()).values()];
        if (statuses.every((s) => s.state === 'ready' || s.state === 'stale')) return;
        if (Date.now() > until) throw new Error(`mirrors not ready after ${ms} ms: ${JSON.stringify(statuses)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    get: (path, headers) => getJson(url + path, headers),
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gateway.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
