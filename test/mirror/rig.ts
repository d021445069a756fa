/**
 * One mirrored vendor, its simulator, a real mirror store and the real upstream stack, on a manual clock:
 * the sync passes run for real, over HTTP, and time moves only when they sleep.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { CanonicalConversation } from '../../sim/canonical.js';
import { credentialsOf, startSimulator, type Simulator } from '../../sim/kit.js';
import { gatewaySchema } from '../../src/config/gateway-schema.js';
import { interpolate } from '../../src/config/interpolate.js';
import { vendorSchema, type VendorConfig } from '../../src/config/vendor-schema.js';
import { compileVendor } from '../../src/dialect/vendor.js';
import { openMirrorDb } from '../../src/mirror/store/connect.js';
import { MirrorStore, type MirrorMeta, type RowKey, type RowShape } from '../../src/mirror/store/mirror-store.js';
import { frequentPass, fullRead } from '../../src/mirror/sync.js';
import type { MirroredVendor } from '../../src/mirror/worker.js';
import { memoryStore, type MemoryStore } from '../../src/state/store.js';
import { createUpstream } from '../../src/upstream/index.js';
import { createTransport, type Upstream } from '../../src/upstream/client.js';
import { ManualClock } from '../helpers/clock.js';
import type { VendorUnderTest } from '../helpers/harness.js';

export interface Rig {
  vendor: MirroredVendor;
  config: VendorConfig;
  sim: Simulator;
  store: MirrorStore;
  clock: ManualClock;
  state: MemoryStore;
  /** Clock readings of every call that reached the vendor. */
  callTimes: number[];
  /** The whole upstream stack (cache included), as live requests use it. */
  live: Upstream;
  mirrorId: number;
  meta(): Promise<MirrorMeta>;
  full(signal?: AbortSignal): ReturnType<typeof fullRead>;
  frequent(signal?: AbortSignal): ReturnType<typeof frequentPass>;
  /** Every current conversation in the copy, newest activity first, with its stored shape. */
  rows(): Promise<(RowKey & RowShape)[]>;
  /** Opens the same store again, as a restarted process would. */
  reopen(): Promise<void>;
  close(): Promise<void>;
}

export interface RigOptions {
  /** Edits the vendor's config after it is read (e.g. a mirror block or a rate limit). */
  edit?: (v: Record<string, any>) => void;
  env?: Record<string, string>;
  /** The simulator to call (default: one started here over `data`). */
  url?: string;
  /** The mirror store (default: a SQLite file in a temp folder, so a rig can reopen it). */
  store?: string;
}

export async function mirrorRig(vut: VendorUnderTest, data: CanonicalConversation[], opts: RigOptions = {}): Promise<Rig> {
  const dir = await mkdtemp(join(tmpdir(), 'sb-rig-'));
  const env = { [`${vut.name.toUpperCase()}_BASE_URL`]: 'http://127.0.0.1:9', ...opts.env };
  const raw = interpolate(parse(await readFile(vut.configFile, 'utf8')), env) as Record<string, any>;
  opts.edit?.(raw);
  const config = vendorSchema.parse(raw);
  const gateway = gatewaySchema.parse({});
  const sim = await startSimulator(vut.module.behaviour(credentialsOf(config)), { data });
  config.baseUrl = opts.url ?? sim.url;
  const vendor = compileVendor(config, gateway) as MirroredVendor;
  if (!vendor.mirror) throw new Error(`${vut.name} has no mirror block`);
  const clock = new ManualClock();
  // After every demo conversation (they are from 2024): the vendor's instants are in our past, as in life.
  clock.t = Date.UTC(2025, 0, 1);
  const state = memoryStore();
  const callTimes: number[] = [];
  const transport = createTransport();
  const recording: Upstream = {
    close: () => transport.close(),
    get: (v, req, o) => {
      callTimes.push(clock.now());
      return transport.get(v, req, o);
    },
  };
  const stack = createUpstream({ store: state, clock, transport: recording });
  const upstream = stack.direct;
  const url = opts.store ?? `sqlite:${join(dir, 'mirror.sqlite')}`;
  let store = new MirrorStore(await openMirrorDb(url, dir));
  const m = await store.ensure(vendor.name, vendor.mirror.identity, vendor.mirror.mapping, vendor.origin, clock.now());
  const ctx = async (signal?: AbortSignal) => ({ vendor, store, mirror: (await store.meta(m.id))!, upstream, clock, signal: signal ?? new AbortController().signal });
  return {
    vendor,
    config,
    sim,
    get store() {
      return store;
    },
    clock,
    state,
    callTimes,
    live: stack,
    mirrorId: m.id,
    meta: async () => (await store.meta(m.id))!,
    full: async (signal) => fullRead(await ctx(signal)),
    frequent: async (signal) => frequentPass(await ctx(signal)),
    async rows() {
      const meta = (await store.meta(m.id))!;
      const keys = await store.page(m.id, meta.rev, {}, 'lastActivityAt', 'desc', undefined, 1_000_000);
      const shapes = await store.shapes(m.id, meta.rev, keys.map((k) => k.id), { extra: true, raw: true });
      return keys.map((k) => ({ ...k, ...shapes.get(k.id)! }));
    },
    async reopen() {
      await store.close();
      store = new MirrorStore(await openMirrorDb(url, dir));
    },
    async close() {
      await store.close();
      await upstream.close();
      await sim.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
