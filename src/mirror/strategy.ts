/**
 * Compiles a vendor's `mirror:` block: how its copy is kept (which pass learns of changes between full
 * reads) follows from what the rest of its config says the vendor can do, never from its name. Pure.
 */
import { createHash } from 'node:crypto';
import type { MirrorConfig } from '../config/mirror-schema.js';
import type { VendorConfig } from '../config/vendor-schema.js';
import type { Paging } from '../dialect/paging.js';
import type { FilterSupport } from '../dialect/vendor.js';
import { DialectError } from '../dialect/fields.js';
import type { FilterName, OrderDir, OrderField } from '../model/query.js';

/**
 * The pass that runs every `every` between full reads.
 * - changes: what changed since the high-water mark of update times: asked with an update-time filter, or read
 *   newest-updated first until the mark. It sees updates as well as new conversations.
 * - head: new conversations only: asked with a creation-time filter, read newest-created first until the
 *   mark, or (`pages`) the first pages of a vendor that answers newest first without promising it.
 */
export type FrequentPass =
  | { kind: 'changes' | 'head'; via: 'filter'; filter: Extract<FilterName, 'updatedAfter' | 'createdAfter'> }
  | { kind: 'changes' | 'head'; via: 'order'; field: Extract<OrderField, 'updatedAt' | 'createdAt'> }
  | { kind: 'head'; via: 'pages'; pages: number };

export interface MirrorSpec {
  readonly enabled: boolean;
  readonly strategy: 'incremental' | 'head' | 'full';
  /** Null with strategy full: then full reads run every `everyMs`. */
  readonly frequent: FrequentPass | null;
  readonly everyMs: number;
  /** How often a full read runs (reconcile). */
  readonly fullEveryMs: number;
  readonly overlapMs: number;
  readonly maxLagMs: number;
  readonly maxItems: number;
  readonly maxBytes: number;
  readonly timeoutMs: number;
  readonly keepRaw: boolean;
  /** The sync reads with the vendor's messages include. */
  readonly withMessages: boolean;
  /** Whether the copy holds every message (so include=messages can be served from it). */
  readonly holdsMessages: boolean;
  readonly serve: 'whenWhole' | 'always';
  readonly reserve: number;
  readonly batchSize: number;
  /** A full read is one body holding every conversation: parse it as a stream. */
  readonly streamed: boolean;
  /** Hash of what the copy was read with: origin, path, credentials, fixed (and whenAbsent) parameters. */
  readonly identity: string;
  /** Hash of what the stored conversations were made with: the response mapping and includes. */
  readonly mapping: string;
  /** One line for people: "incremental (updatedAfter filter) every 30 s, full read every 1 h". */
  readonly describe: string;
}

interface Capabilities {
  filters: Readonly<Record<FilterName, FilterSupport>>;
  /** The parameters for an order the vendor answers in, or null (as CompiledVendor.orderFor). */
  orderFor(by: OrderField, dir: OrderDir): readonly [string, string][] | null;
  paging: Paging;
  origin: string;
  headers: Readonly<Record<string, string>>;
  fixed: readonly [string, string][];
  /** The filters' `whenAbsent` parameters: every read of the whole vendor sends them too. */
  absent: readonly [string, string][];
  hasMessagesInclude: boolean;
  /** The items can be parsed out of a body as it streams. */
  streamable: boolean;
}

const hash = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('base64url');

export function compileMirror(v: VendorConfig, c: Capabilities, timeoutMs: number): MirrorSpec | null {
  const m: MirrorConfig | undefined = v.mirror;
  if (!m) return null;
  const canFilter = (f: 'updatedAfter' | 'createdAfter') => c.filters[f].push !== undefined;
  // Both passes read newest first until the mark: a sort parameter, a selected or the natural order will do.
  const canOrder = (f: 'updatedAt' | 'createdAt') => c.orderFor(f, 'desc') !== null && c.paging.style !== 'none';
  const changes = (): FrequentPass | null =>
    canFilter('updatedAfter') ? { kind: 'changes', via: 'filter', filter: 'updatedAfter' } : canOrder('updatedAt') ? { kind: 'changes', via: 'order', field: 'updatedAt' } : null;
  const head = (): FrequentPass | null =>
    canFilter('createdAfter') ? { kind: 'head', via: 'filter', filter: 'createdAfter' } : canOrder('createdAt') ? { kind: 'head', via: 'order', field: 'createdAt' } : null;

  let frequent: FrequentPass | null;
  switch (m.strategy) {
    case 'auto':
      frequent = changes() ?? head();
      break;
    case 'incremental':
      frequent = changes();
      if (!frequent) throw new DialectError('mirror.strategy', 'incremental needs an updatedAfter filter or an order newest updated first (request.order: sort parameters, a select or natural); use auto, head or full');
      break;
    case 'head':
      frequent = head() ?? (c.paging.style === 'none' ? null : { kind: 'head', via: 'pages', pages: m.headPages });
      if (!frequent) throw new DialectError('mirror.strategy', 'head needs a createdAfter filter, an order newest created first, or paging (to read the first pages)');
      break;
    case 'full':
      frequent = null;
  }
  const strategy = frequent === null ? 'full' : frequent.kind === 'changes' ? 'incremental' : 'head';
  const fullEveryMs = strategy === 'full' ? m.every : m.reconcileEvery;
  const withMessages = m.messages ?? c.hasMessagesInclude;
  if (m.messages === true && !c.hasMessagesInclude && !v.response.fields.messages) {
    throw new DialectError('mirror.messages', 'the vendor has no request.include.messages and no messages mapping: there are no messages to keep');
  }
  const via = frequent === null ? '' : frequent.via === 'filter' ? ` (${frequent.filter} filter)` : frequent.via === 'order' ? ` (newest ${frequent.field} first)` : ` (first ${frequent.pages} page${frequent.pages > 1 ? 's' : ''})`;
  return {
    enabled: m.enabled,
    strategy,
    frequent,
    everyMs: m.every,
    fullEveryMs,
    overlapMs: m.overlapMs,
    maxLagMs: m.maxLagMs ?? Math.max(300_000, 2 * Math.max(m.every, fullEveryMs)),
    maxItems: m.maxItems,
    maxBytes: m.maxBytes,
    timeoutMs: m.timeoutMs ?? 10 * timeoutMs,
    keepRaw: m.keepRaw,
    withMessages,
    holdsMessages: withMessages || !c.hasMessagesInclude,
    serve: m.serve,
    reserve: m.reserve,
    batchSize: m.batchSize,
    streamed: c.paging.style === 'none' && c.streamable,
    identity: hash({ vendor: v.name, origin: c.origin, path: v.path, credentials: credentialHeaders(c.headers), fixed: c.fixed, ...(c.absent.length > 0 ? { absent: c.absent } : {}) }),
    mapping: hash({ response: v.response, include: withMessages ? v.request.include : {}, keepRaw: m.keepRaw }),
    describe:
      strategy === 'full'
        ? `full read every ${human(fullEveryMs)}`
        : `${strategy}${via} every ${human(m.every)}, full read every ${human(fullEveryMs)}`,
  };
}

/** The headers that say who we are to the vendor (not accept or user-agent, which change nothing it sends). */
function credentialHeaders(h: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).filter(([k]) => k !== 'accept' && k !== 'user-agent'));
}

export function human(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}
