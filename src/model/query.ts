/** The validated, normalized form of a GET /conversations request. */
import type { ErrorCode } from '../errors/catalogue.js';
import type { ConversationField } from './conversation.js';

export const ORDER_FIELDS = ['lastActivityAt', 'createdAt', 'updatedAt'] as const;
export type OrderField = (typeof ORDER_FIELDS)[number];
export type OrderDir = 'asc' | 'desc';

/** Filters with an exact value. */
export const VALUE_FILTERS = ['status', 'channel', 'agentId', 'leadId', 'visitorId', 'userId', 'search'] as const;
export type ValueFilter = (typeof VALUE_FILTERS)[number];
/** Filters on an instant: `*After` is inclusive (>=), `*Before` exclusive (<). */
export const TIME_FILTERS = ['createdAfter', 'createdBefore', 'updatedAfter', 'updatedBefore'] as const;
export type TimeFilter = (typeof TIME_FILTERS)[number];
export type FilterName = ValueFilter | TimeFilter;
export const FILTER_NAMES: readonly FilterName[] = [...VALUE_FILTERS, ...TIME_FILTERS];

export const INCLUDES = ['raw', 'messages'] as const;

/**
 * What a page does when some vendors fail: `partial` (default) answers from the others, and the walk says
 * which vendor's items it skipped; `fail` fails the page, so a cursor walk is exact or it errors.
 */
export const ON_VENDOR_ERROR = ['partial', 'fail'] as const;
export type OnVendorError = (typeof ON_VENDOR_ERROR)[number];
export type Include = (typeof INCLUDES)[number];

export interface Filters {
  status?: 'open' | 'closed';
  channel?: string;
  agentId?: string;
  leadId?: string;
  visitorId?: string;
  userId?: string;
  search?: string;
  /** Epoch milliseconds. */
  createdAfter?: number;
  createdBefore?: number;
  updatedAfter?: number;
  updatedBefore?: number;
}

/** Everything that defines the result set and its order (what a cursor pins). */
export interface QueryShape {
  vendors: string[];
  filters: Filters;
  orderBy: OrderField;
  orderDir: OrderDir;
  include: Include[];
  strict: boolean;
  explain: boolean;
  onVendorError: OnVendorError;
  /** `fields=`: the properties each item shows (absent: all). A cursor keeps it, as it keeps `include`. */
  fields?: ConversationField[];
}

/** The sort key of the last item a page returned: where the next page starts. */
export interface SortKey {
  time: number | null;
  id: string;
}

export interface Query extends QueryShape {
  limit: number;
  offset: number;
  /** Present when continuing from a cursor: only items strictly after this key. */
  after?: SortKey;
  /** Per-vendor resume positions carried by the cursor ('done': nothing left for that vendor). */
  positions?: Record<string, VendorPosition | 'done'>;
  /** Per-vendor totals carried by the cursor, for vendors not called again. */
  totals?: Record<string, number | null>;
  /** Per mirrored vendor, the snapshot (mirror and revision) the walk reads. */
  snapshots?: Record<string, { mirror: number; rev: number }>;
  /** Vendors whose items earlier pages of this walk skipped (best-effort mode only). */
  missed?: Record<string, Missed>;
}

/** A vendor whose items a best-effort walk skipped: its last error, from which page, on how many pages. */
export interface Missed {
  code: ErrorCode;
  /** Offset of the first page that skipped its items. */
  since: number;
  pages: number;
}

/**
 * Where to resume reading a vendor: the page token to request (an offset, a page number or the vendor's
 * own cursor) and how many raw items at the head of that page were already consumed.
 */
export interface VendorPosition {
  token: string | number | null;
  skip: number;
  size?: number;
}
