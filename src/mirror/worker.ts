/**
 * One mirrored vendor's background worker: holds the vendor's sync lease (so of N replicas sharing a store
 * exactly one syncs it, and another takes over within a lease period when that one dies), runs the full
 * read and the frequent pass when each is due, backs off after failures, and tidies up (old mirrors of the
 * vendor once this one is ready, row versions no cursor can read any more).
 */
import { failSpan, startInternalSpan, tracingOn, withSpan } from '../tracing/tracing.js';
import type { Logger } from '../app.js';
import type { CompiledVendor } from '../dialect/vendor.js';
import type { Clock } from '../state/clock.js';
import type { Upstream } from '../upstream/client.js';
import { LeaseLost, type MirrorMeta, type MirrorStore, type PassReport } from './store/mirror-store.js';
import type { MirrorSpec } from './strategy.js';
import { frequentPass, fullRead, SyncFailure, type SyncContext } from './sync.js';

export type MirroredVendor = CompiledVendor & { mirror: MirrorSpec };

export interface WorkerDeps {
  store: MirrorStore;
  upstream: Upstream;
  clock: Clock;
  logger: Logger;
  /** This process, as lease holder. */
  holder: string;
  /** How long a lease lasts without renewal: the longest a dead replica's vendors go unsynced. */
  leaseMs: number;
  /** How long a cursor lives: row versions older than that are collected. */
  retainMs: number;
  /** Told of every pass (metrics). */
  onPass?: (vendor: string, report: PassReport) => void;
}

export type PassKind = 'full' | 'frequent';

/** Failures in a row → wait before the next attempt: 5 s, 10 s, 20 s… up to the pass's interval. */
const backoff = (failures: number, cap: number) => Math.min(cap, 5_000 * 2 ** Math.max(0, failures - 1));

export class MirrorWorker {
  private readonly stopping = new AbortController();
  private readonly passes = new Map<PassKind, AbortController>();
  /** A full read runs beside the loop (it can take many minutes within a small budget); frequent passes go on. */
  private fullTask: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private failures = { full: 0, frequent: 0 };
  private requested: { kind: PassKind; resolve: (r: PassReport) => void; reject: (e: unknown) => void }[] = [];
  /** The mirror this worker keeps, once it is known. */
  mirrorId: number | null = null;
  /** Whether this replica holds the vendor's sync lease. */
  leader = false;
  nextAt: number | null = null;

  constructor(
    private vendor: MirroredVendor,
    private readonly deps: WorkerDeps,
  ) {}

  get name(): string {
    return this.vendor.name;
  }
  get spec(): MirrorSpec {
    return this.vendor.mirror;
  }
  private get leaseName(): string {
    return `sync:${this.vendor.name}`;
  }

  /** A reload with the same copy (origin, credentials, mapping): new intervals and limits apply from the next step. */
  update(vendor: MirroredVendor): void {
    this.vendor = vendor;
    this.wake?.();
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Runs one pass now (e.g. `switchboard mirror sync`), on this replica if it holds the lease. */
  syncNow(kind: PassKind): Promise<PassReport> {
    return new Promise((resolve, reject) => {
      this.requested.push({ kind, resolve, reject });
      this.wake?.();
    });
  }

  async stop(): Promise<void> {
    const why = new Error('mirror worker stopped');
    this.stopping.abort(why);
    for (const p of this.passes.values()) p.abort(why);
    this.wake?.();
    await this.loop;
    await this.fullTask;
    for (const r of this.requested.splice(0)) r.reject(why);
    if (this.leader) await this.deps.store.releaseLease(this.leaseName, this.deps.holder).catch(() => undefined);
    this.leader = false;
  }

  private async run(): Promise<void> {
    const { store, clock, logger } = this.deps;
    while (!this.stopping.signal.aborted) {
      try {
        const v = this.vendor;
        const spec = v.mirror;
        const meta = await store.ensure(v.name, spec.identity, spec.mapping, v.origin, clock.now());
        this.mirrorId = meta.id;
        const wasLeader = this.leader;
        this.leader = await store.lease(this.leaseName, this.deps.holder, this.deps.leaseMs, clock.now());
        if (this.leader !== wasLeader) {
          logger.info({ vendor: v.name, holder: this.deps.holder }, this.leader ? 'mirror sync lease taken: this replica syncs the vendor' : 'mirror sync lease held by another replica');
        }
        if (!this.leader) {
          for (const p of this.passes.values()) p.abort(new LeaseLost('sync lease lost'));
          for (const r of this.requested.splice(0)) r.reject(new Error(`another replica holds the sync lease of ${v.name}`));
          await this.sleep(this.deps.leaseMs / 3);
          continue;
        }
        const asked = this.requested[0];
        const due = this.due(meta);
        const now = clock.now();
        if (asked?.kind === 'full' || (!asked && due.full <= now)) {
          if (this.fullTask === null) {
            if (asked) this.requested.shift();
            this.startFull(meta, asked);
          } else if (asked) {
            this.requested.shift();
            asked.reject(new Error(`a full read of ${v.name} is already running`));
          }
        }
        const frequentAsked = this.requested[0]?.kind === 'frequent' ? this.requested.shift() : undefined;
        if (meta.ready && spec.frequent && (frequentAsked || due.frequent <= now)) {
          await this.runPass('frequent', meta).then(
            async (r) => {
              frequentAsked?.resolve(r);
              await this.tidy(meta.id);
            },
            (e: unknown) => {
              frequentAsked?.reject(e);
              if (!(e instanceof SyncFailure)) throw e;
            },
          );
          continue;
        }
        if (frequentAsked) frequentAsked.reject(new Error(meta.ready ? `${v.name} has no frequent pass (strategy full)` : `${v.name}'s mirror is still warming: its first full read runs`));
        const next = Math.min(this.fullTask ? Number.POSITIVE_INFINITY : due.full, meta.ready && spec.frequent ? due.frequent : Number.POSITIVE_INFINITY);
        const nextAt = Number.isFinite(next) ? next : null;
        // Other replicas read it from the store for /vendors: written when it changes, not every wake-up.
        if (nextAt !== meta.nextSyncAt) await store.patch(meta.id, { nextSyncAt: nextAt }, this.fence()).catch(() => undefined);
        this.nextAt = nextAt;
        await this.sleep(Math.min((Number.isFinite(next) ? next : now + this.deps.leaseMs) - now, this.deps.leaseMs / 3));
      } catch (e) {
        if (this.stopping.signal.aborted) break;
        if (e instanceof LeaseLost) {
          this.leader = false;
          logger.warn({ vendor: this.vendor.name }, 'mirror sync lease lost: another replica syncs the vendor now');
          continue;
        }
        logger.error({ vendor: this.vendor.name, err: { message: (e as Error).message ?? String(e) } }, 'mirror worker: the mirror store failed; trying again in 5 s');
        await this.sleep(5_000);
      }
    }
  }

  private startFull(meta: MirrorMeta, asked?: { resolve: (r: PassReport) => void; reject: (e: unknown) => void }): void {
    this.fullTask = this.runPass('full', meta)
      .then(
        async (r) => {
          asked?.resolve(r);
          await this.tidy(meta.id);
        },
        (e: unknown) => {
          asked?.reject(e);
          if (e instanceof LeaseLost) this.leader = false;
        },
      )
      .catch((e: unknown) => {
        // Tidying after a good read failed (the store went away): the next pass tidies again.
        this.deps.logger.error({ vendor: this.vendor.name, err: { message: (e as Error).message ?? String(e) } }, 'mirror worker: tidying after the full read failed');
      })
      .finally(() => {
        this.fullTask = null;
        this.wake?.();
      });
  }

  /** When each pass is next due. */
  private due(meta: MirrorMeta): { full: number; frequent: number } {
    const spec = this.vendor.mirror;
    const now = this.deps.clock.now();
    const after = (last: PassReport | null, every: number, failures: number) =>
      last === null ? now : last.startedAt + (last.error ? backoff(failures, every) : every);
    // Unfinished or never done: the full read goes first (and resumes where it stopped), unless it just failed.
    const unfinished = !meta.ready || meta.run !== null;
    const full = unfinished && !meta.lastFull?.error ? now : after(meta.lastFull, spec.fullEveryMs, this.failures.full);
    return { full, frequent: after(meta.lastPass, spec.everyMs, this.failures.frequent) };
  }

  /** One pass; with tracing on, in a span of its own (a root: no request asked for it), its vendor calls carrying its traceparent. */
  private runPass(kind: PassKind, meta: MirrorMeta): Promise<PassReport> {
    if (!tracingOn()) return this.pass(kind, meta);
    const span = startInternalSpan(`mirror ${kind} pass`, { 'switchboard.vendor': this.vendor.name, 'switchboard.mirror.pass': kind });
    const record = (r: PassReport) => span.setAttributes({ 'switchboard.calls': r.calls, 'switchboard.items': r.items });
    return withSpan(span, () => this.pass(kind, meta)).then(
      (report) => {
        record(report);
        span.end();
        return report;
      },
      (e: unknown) => {
        if (e instanceof SyncFailure) {
          record(e.report);
          failSpan(span, e.failure.code);
        } else failSpan(span, e instanceof LeaseLost ? 'LEASE_LOST' : 'INTERNAL_ERROR');
        span.end();
        throw e;
      },
    );
  }

  private async pass(kind: PassKind, meta: MirrorMeta): Promise<PassReport> {
    const { store, clock, logger } = this.deps;
    const v = this.vendor;
    const pass = new AbortController();
    this.passes.set(kind, pass);
    const signal = AbortSignal.any([this.stopping.signal, pass.signal]);
    // Renewed while the pass runs; losing it stops the pass (and fences its writes meanwhile).
    const renew = setInterval(() => {
      void store.lease(this.leaseName, this.deps.holder, this.deps.leaseMs, clock.now()).then(
        (held) => {
          if (!held) pass.abort(new LeaseLost('sync lease lost'));
        },
        () => undefined, // the store is away: the writes' fence decides
      );
    }, this.deps.leaseMs / 3);
    renew.unref();
    const ctx: SyncContext = { vendor: v, store, mirror: meta, upstream: this.deps.upstream, clock, signal, fence: () => this.fence() };
    try {
      const report = kind === 'full' ? await fullRead(ctx) : await frequentPass(ctx);
      this.failures[kind] = 0;
      this.deps.onPass?.(v.name, report);
      const after = await store.meta(meta.id);
      logger.info({ vendor: v.name, pass: report.kind, ...figures(report), rows: after?.rows, rev: after?.rev }, `mirror ${report.kind} pass done`);
      return report;
    } catch (e) {
      if (signal.aborted && signal.reason instanceof LeaseLost) throw signal.reason;
      if (e instanceof SyncFailure) {
        this.failures[kind]++;
        this.deps.onPass?.(v.name, e.report);
        logger.warn({ vendor: v.name, pass: e.report.kind, ...figures(e.report), code: e.failure.code }, `mirror ${e.report.kind} pass failed: ${e.failure.message}`);
      }
      throw e;
    } finally {
      clearInterval(renew);
      this.passes.delete(kind);
    }
  }

  /** Once this mirror is ready: drop the vendor's other mirrors (old credentials or mapping), collect versions. */
  private async tidy(id: number): Promise<void> {
    const { store, clock, logger } = this.deps;
    const mine = await store.meta(id);
    if (!mine?.ready) return;
    for (const other of await store.list(this.vendor.name)) {
      if (other.id === id) continue;
      const rows = await store.drop(other.id);
      logger.info({ vendor: this.vendor.name, mirror: other.id, rows }, "dropped the vendor's previous mirror (other origin, credentials or mapping)");
    }
    await store.collect(id, clock.now(), this.deps.retainMs);
  }

  private fence() {
    return { lease: this.leaseName, holder: this.deps.holder, now: this.deps.clock.now() };
  }

  /** Sleeps on the gateway's clock; a request, an update, the end of a full read or stop wakes it early. */
  private async sleep(ms: number): Promise<void> {
    if (this.requested.length > 0 || this.stopping.signal.aborted) return;
    const woken = new AbortController();
    this.wake = () => woken.abort();
    try {
      await this.deps.clock.sleep(Math.max(1, ms), AbortSignal.any([woken.signal, this.stopping.signal]));
    } catch {
      /* woken */
    } finally {
      this.wake = null;
    }
  }
}

function figures(r: PassReport) {
  return { durationMs: r.durationMs, calls: r.calls, items: r.items, changed: r.changed, ...(r.deleted !== undefined ? { deleted: r.deleted } : {}) };
}
