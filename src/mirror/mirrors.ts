/**
 * The gateway's mirrors: one worker per mirrored vendor, the catalog requests read them through, and what
 * /vendors, /readyz, /metrics and the CLI say of them. Outlives config reloads: a reload keeps a vendor's
 * mirror unless what the copy is made of (origin, credentials, mapping) changed, and then a new one warms
 * while the vendor is read live.
 */
import type { Logger } from '../app.js';
import type { MirrorCatalog } from '../conversations/list.js';
import type { CompiledVendor } from '../dialect/vendor.js';
import type { MirrorAvailability } from '../plan/plan.js';
import type { Snapshot } from '../sources/source.js';
import { mirrorCounts, type MirrorView } from '../sources/mirror.js';
import type { Clock } from '../state/clock.js';
import type { Upstream } from '../upstream/client.js';
import type { MirrorMeta, MirrorStore, PassReport } from './store/mirror-store.js';
import { MirrorWorker, type MirroredVendor, type PassKind } from './worker.js';

export type MirrorState = 'warming' | 'ready' | 'stale' | 'error';

/** What /vendors says of a vendor's mirror. */
export interface MirrorStatus {
  state: MirrorState;
  /** One line: how the copy is kept. */
  strategy: string;
  rows: number;
  syncedAt: string | null;
  lagMs: number | null;
  lastSync: { kind: PassReport['kind']; startedAt: string; durationMs: number; calls: number; items: number; error: { code: string; message: string } | null } | null;
  nextSyncAt: string | null;
  /** Whether this replica holds the vendor's sync lease (else another replica syncs it). */
  syncing: boolean;
}

export interface MirrorsOptions {
  store: MirrorStore;
  upstream: Upstream;
  clock: Clock;
  logger: Logger;
  holder: string;
  leaseMs?: number;
  /** Cursor lifetime: versions are kept this long for walks in progress. */
  retainMs: number;
  onPass?: (vendor: string, report: PassReport) => void;
}

export interface Mirrors extends MirrorCatalog {
  readonly store: MirrorStore;
  /** Starts, keeps, restarts or stops workers for this config's vendors. */
  reload(vendors: readonly CompiledVendor[]): Promise<void>;
  /** The mirror status of each mirrored vendor of the config (absent: read live only). */
  status(): Promise<Map<string, MirrorStatus>>;
  /** Runs one pass now on this replica (it must hold the vendor's lease). */
  syncNow(vendor: string, kind: PassKind): Promise<PassReport>;
  close(): Promise<void>;
}

const isMirrored = (v: CompiledVendor): v is MirroredVendor => v.enabled && v.mirror !== null && v.mirror.enabled;

export function createMirrors(opts: MirrorsOptions): Mirrors {
  const workers = new Map<string, MirrorWorker>();
  const counts = mirrorCounts();
  const leaseMs = opts.leaseMs ?? 15_000;
  const { store, clock } = opts;

  /** The mirror a worker keeps: known once it has started; found in the store otherwise (another replica made it). */
  const metaOf = async (w: MirrorWorker): Promise<MirrorMeta | null> => {
    if (w.mirrorId !== null) {
      const m = await store.meta(w.mirrorId);
      if (m) return m;
    }
    return store.find(w.name, w.spec.identity, w.spec.mapping);
  };

  const availability = (w: MirrorWorker, meta: MirrorMeta | null): MirrorAvailability => ({
    ready: meta?.ready ?? false,
    ...(meta?.ready ? {} : { notReady: `mirror warming (first full read: ${meta?.rows ?? 0} conversations so far)` }),
    messages: w.spec.holdsMessages,
    raw: w.spec.keepRaw,
    serve: w.spec.serve,
    ...(meta ? { knownSize: Math.max(meta.rows, meta.run?.firstTotal ?? 0) } : {}),
  });

  const statusOf = (w: MirrorWorker, meta: MirrorMeta | null): MirrorStatus => {
    const now = clock.now();
    const last = [meta?.lastFull, meta?.lastPass].filter((r): r is PassReport => !!r).sort((a, b) => b.startedAt - a.startedAt)[0] ?? null;
    const lagMs = meta?.syncedAt == null ? null : Math.max(0, now - meta.syncedAt);
    const state: MirrorState = last?.error ? 'error' : !meta?.ready ? 'warming' : lagMs === null || lagMs > w.spec.maxLagMs ? 'stale' : 'ready';
    const next = w.leader ? w.nextAt : (meta?.nextSyncAt ?? null);
    return {
      state,
      strategy: w.spec.describe,
      rows: meta?.rows ?? 0,
      syncedAt: meta?.syncedAt == null ? null : new Date(meta.syncedAt).toISOString(),
      lagMs,
      lastSync: last && { kind: last.kind, startedAt: new Date(last.startedAt).toISOString(), durationMs: last.durationMs, calls: last.calls, items: last.items, error: last.error },
      nextSyncAt: next === null ? null : new Date(next).toISOString(),
      syncing: w.leader,
    };
  };

  return {
    store,
    covers: (name) => workers.has(name),
    async open(names: readonly string[], pins?: Readonly<Record<string, Snapshot>>) {
      const out = new Map<string, { availability: MirrorAvailability; view?: MirrorView }>();
      await Promise.all(
        names.map(async (name) => {
          const w = workers.get(name);
          if (!w) return;
          try {
            const meta = await metaOf(w);
            const a = availability(w, meta);
            if (!meta?.ready) return void out.set(name, { availability: a });
            const pin = pins?.[name];
            let rev = meta.rev;
            let syncedAt = meta.syncedAt;
            let note: string | undefined;
            if (pin) {
              if (pin.mirror === meta.id && pin.rev >= meta.minRev && pin.rev <= meta.rev) {
                rev = pin.rev;
                if (rev !== meta.rev) syncedAt = (await store.syncedAtRev(meta.id, rev)) ?? syncedAt;
              } else {
                note = "this walk's snapshot of the mirror is gone (rebuilt or collected): the rest of the walk reads the current copy";
              }
            }
            const rows = rev === meta.rev ? { rows: meta.rows } : {};
            out.set(name, { availability: a, view: { store, mirrorId: meta.id, rev, syncedAt, maxLagMs: w.spec.maxLagMs, counts, ...rows, ...(note ? { note } : {}) } });
          } catch (e) {
            // The mirror store is away: the vendor is read live, as while warming.
            out.set(name, { availability: { ...availability(w, null), notReady: `mirror store unavailable (${(e as Error).message})` } });
          }
        }),
      );
      return out;
    },
    async reload(vendors) {
      const wanted = new Map(vendors.filter(isMirrored).map((v) => [v.name, v]));
      for (const [name, w] of workers) {
        const v = wanted.get(name);
        if (v && v.mirror.identity === w.spec.identity && v.mirror.mapping === w.spec.mapping) {
          w.update(v);
          continue;
        }
        workers.delete(name);
        await w.stop();
        if (v) opts.logger.info({ vendor: name }, 'mirror: origin, credentials or mapping changed: a new mirror warms while the vendor is read live');
      }
      for (const [name, v] of wanted) {
        if (workers.has(name)) continue;
        const w = new MirrorWorker(v, { store, upstream: opts.upstream, clock, logger: opts.logger, holder: opts.holder, leaseMs, retainMs: opts.retainMs, ...(opts.onPass ? { onPass: opts.onPass } : {}) });
        workers.set(name, w);
        w.start();
      }
    },
    async status() {
      const out = new Map<string, MirrorStatus>();
      await Promise.all(
        [...workers.values()].map(async (w) => {
          const meta = await metaOf(w).catch(() => null);
          out.set(w.name, statusOf(w, meta));
        }),
      );
      return out;
    },
    syncNow(vendor, kind) {
      const w = workers.get(vendor);
      if (!w) return Promise.reject(new Error(`${vendor} is not mirrored`));
      return w.syncNow(kind);
    },
    async close() {
      await Promise.all([...workers.values()].map((w) => w.stop()));
      workers.clear();
      await store.close();
    },
  };
}
