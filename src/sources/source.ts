/**
 * A vendor's part in one request, whatever serves it: the vendor read lazily (it orders for us), the vendor
 * read whole (it can't), or the vendor's mirror. Each kind yields one ordered stream the merge pulls from,
 * and says afterwards what it cost, what it knows of its total and where a next page resumes. The three
 * implementations live beside this file and pass one contract suite (test/sources/).
 */
import type { CompiledVendor } from '../dialect/vendor.js';
import type { VendorFailure } from '../errors/gateway-error.js';
import type { Item } from '../model/conversation.js';
import type { VendorPosition } from '../model/query.js';
import type { VendorPlan } from '../plan/plan.js';

export type SourceKind = 'live-lazy' | 'live-whole' | 'mirror';

export interface OrderedStream {
  readonly vendor: string;
  /** The next item in the total order without consuming it; null at the end. May fetch. */
  peek(): Promise<Item | null>;
  /** Consume the item `peek` returned. */
  take(): void;
  /** Where a later request should resume reading this vendor; null when it needs no position. */
  position(): VendorPosition | null;
}

export interface SourceStats {
  calls: number;
  /** Raw items received from the vendor. */
  fetched: number;
  /** Items that could not be mapped (no id, unreadable timestamp). */
  dropped: number;
  /** The vendor's own total, when it gave one. */
  vendorTotal: number | null;
  /** Time in the vendor's calls (or the mirror's queries). */
  latencyMs: number;
  /** Calls repeated after a transient failure. */
  retries: number;
  /** Time spent waiting for the vendor's outbound budget. */
  waitedMs: number;
}

/** How fresh a mirror's answer is: complete as of `syncedAt`. */
export interface Freshness {
  syncedAt: number | null;
  lagMs: number | null;
  stale: boolean;
}

/** A mirror read pins one revision: the next page of a walk reads the same snapshot. */
export interface Snapshot {
  mirror: number;
  rev: number;
}

export interface Source {
  readonly kind: SourceKind;
  readonly plan: VendorPlan;
  readonly vendor: CompiledVendor;
  readonly stats: SourceStats;
  /** A fresh stream over what was already read (the merge runs again when another vendor fails). */
  stream(): OrderedStream;
  /**
   * Sends the first read now, before the merge asks for it; its answer (or failure) waits for the merge's
   * first pull. Live sources have it: the request starts their calls before it reads the mirrors' state.
   */
  start?(): void;
  /** Where the latest stream would resume, for the next cursor. */
  position(): VendorPosition | null;
  /** Exact number of matches when it can be known; `exhausted`: the merge read this source to its end. */
  total(exhausted: boolean): Promise<number | null>;
  /**
   * Completes the items of a merged page that are this source's (a mirror reads their stored shape only for
   * the items the page shows, not for every row it scanned past). Sources whose items are whole omit it.
   */
  fill?(items: readonly Item[]): Promise<void>;
  /** Mirrors only: the freshness of what was served, and the snapshot a cursor pins. */
  freshness?(): Freshness;
  snapshot?(): Snapshot;
  /** Why this source serves the vendor, when that is worth saying (e.g. a mirror still warming). */
  readonly note?: string;
  failure?: VendorFailure;
}

export const emptyStats = (): SourceStats => ({ calls: 0, fetched: 0, dropped: 0, vendorTotal: null, latencyMs: 0, retries: 0, waitedMs: 0 });
