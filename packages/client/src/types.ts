/**
 * What the Switchboard API sends and accepts, as plain types. Written out here (not inferred from the
 * server's zod schemas) so the package has no dependency, not even for its types; the server's typecheck
 * proves each one equal to the schema /openapi.json is generated from (test/client/types-match-schemas.ts
 * in the Switchboard repository), so they can't drift apart.
 */

/** Every error code the gateway emits; each has one HTTP status. */
export type ErrorCode =
  | 'INVALID_REQUEST' // 400
  | 'INVALID_CURSOR' // 400
  | 'UNAUTHORIZED' // 401
  | 'FORBIDDEN' // 403
  | 'NOT_FOUND' // 404
  | 'METHOD_NOT_ALLOWED' // 405
  | 'RATE_LIMITED' // 429
  | 'UPSTREAM_AUTH_FAILED' // 502
  | 'UPSTREAM_REJECTED' // 502
  | 'UPSTREAM_ERROR' // 502
  | 'UPSTREAM_INVALID_RESPONSE' // 502
  | 'UPSTREAM_TOO_LARGE' // 502
  | 'UPSTREAM_UNAVAILABLE' // 503
  | 'UPSTREAM_TIMEOUT' // 504
  | 'OVERLOADED' // 503
  | 'INTERNAL_ERROR'; // 500

/** The instants `orderBy` can sort by. */
export type OrderField = 'lastActivityAt' | 'createdAt' | 'updatedAt';
/** The extras `include` can ask for. */
export type Include = 'raw' | 'messages';
/** The filters of GET /conversations (the keys of `VendorCapabilities.filters`). */
export type FilterName = 'status' | 'channel' | 'agentId' | 'leadId' | 'visitorId' | 'userId' | 'search' | 'createdAfter' | 'createdBefore' | 'updatedAfter' | 'updatedBefore';

export type Author = 'customer' | 'agent' | 'human_agent' | 'system';

export interface Message {
  id: string | null;
  text: string | null;
  author: Author | null;
  /** ISO 8601 UTC with milliseconds. */
  createdAt: string | null;
}

/** One conversation, the same shape whichever vendor holds it. Instants are ISO 8601 UTC with milliseconds. */
export interface Conversation {
  /** `<vendor>:<vendor's id>`; the tie-breaker of the order. */
  id: string;
  vendor: string;
  /** The vendor's own id. */
  externalId: string;
  title: string | null;
  status: 'open' | 'closed' | null;
  channel: string | null;
  createdAt: string | null;
  updatedAt: string | null;
  lastActivityAt: string | null;
  closedAt: string | null;
  handledBy: 'ai' | 'human' | null;
  agent: { id: string | null; name: string | null } | null;
  contact: { name: string | null; email: string | null; phone: string | null } | null;
  messageCount: number | null;
  lastMessage: { text: string | null; author: Author | null; createdAt: string | null } | null;
  /** With `include: ['messages']`: every message, or null where the vendor gives none. */
  messages?: Message[] | null;
  /** With `include: ['raw']`: the vendor's own item, as it sent it. */
  raw?: unknown;
}

/** One vendor's failure, in the unified shape. */
export interface VendorFailure {
  code: ErrorCode;
  /** The HTTP status this failure maps to (the code's). */
  status: number;
  message: string;
  /** The vendor's HTTP status, when it answered. */
  upstreamStatus: number | null;
  /** The vendor's own error code, when its body had one. */
  upstreamCode: string | null;
  /** Seconds, when the vendor said when to come back. */
  retryAfter: number | null;
}

/** One vendor's failure, named. */
export interface VendorError extends VendorFailure {
  vendor: string;
}

/** One vendor's part in a page. */
export interface SourceReport {
  vendor: string;
  /** ok: answered; error: failed (see `error`); skipped: cannot honour the query (see `reason`). */
  status: 'ok' | 'error' | 'skipped';
  /** live: read from the vendor for this page; mirror: read from the gateway's local copy. */
  mode: 'live' | 'mirror';
  /** mode=mirror: the instant as of which the copy is complete. */
  syncedAt?: string | null;
  /** mode=mirror: how long ago `syncedAt` was, in ms. */
  lagMs?: number | null;
  /** mode=mirror: the copy is older than the vendor's `mirror.maxLagMs` (it is still served). */
  stale?: true;
  /** This vendor's exact number of matches, or null when unknown. */
  total: number | null;
  /** Items received from the vendor for this page. */
  fetched: number;
  /** Pages asked of the vendor. */
  calls: number;
  /** Items that could not be mapped (no id, unreadable timestamp). */
  dropped: number;
  latencyMs: number;
  /** Calls repeated after transient failures. */
  retries: number;
  reason?: string;
  error?: VendorFailure;
}

/** With `explain: true`: one vendor's plan. */
export interface ExplainedPlan {
  vendor: string;
  /** fetch: call it; skip: it can't honour the query; empty: it can hold no match, so no call. */
  action: 'fetch' | 'skip' | 'empty';
  reason?: string;
  /** Filters the vendor applies. */
  pushedFilters: string[];
  /** Filters checked by the gateway. */
  localFilters: string[];
  /** pushed: the vendor sorts, asked by parameters; natural: its own order, no parameter sent; local: sorted by the gateway; mirror: by the mirror's index. */
  order: 'pushed' | 'natural' | 'local' | 'mirror';
  /** lazy: only as deep as the page needs; whole: everything, then sorted; mirror: the gateway's copy. */
  read: 'lazy' | 'whole' | 'mirror';
  totalFromVendor: boolean;
  /** Parameter names sent on every call (values are not shown). */
  params: string[];
  /** Which parameter carries which filter: `parameter ← filter=value`, or `parameter ← filter (absent: value)` for its whenAbsent. */
  filterParams: string[];
  /** Why a mirrored vendor is read live for this query (e.g. its mirror is still warming). */
  mirror?: string;
}

/** A vendor whose items a best-effort cursor walk (`onVendorError: 'partial'`) skipped. */
export interface MissedVendor {
  vendor: string;
  /** Its last failure's code. */
  code: ErrorCode;
  /** Offset of the first page that skipped its items. */
  since: number;
  /** Pages of this walk that skipped its items. */
  pages: number;
}

/** One page of conversations from every included vendor, merged in one exact order. */
/** Where one conversation came from (GET /conversations/{id}). */
export interface DetailSource {
  vendor: string;
  /** `live`: the vendor's detail request, now; `mirror`: the gateway's local copy. */
  mode: 'live' | 'mirror';
  /** mode=mirror: the instant as of which the copy is complete. */
  syncedAt?: string | null;
  /** mode=mirror: how long ago `syncedAt` was, in ms. */
  lagMs?: number | null;
  /** Vendor calls made (0 from a mirror). */
  calls: number;
  latencyMs: number;
}

/** One conversation by its unified id. */
export interface ConversationDetail<C extends ConversationFields = Conversation> {
  object: 'conversation';
  data: C;
  source: DetailSource;
}

/** The query of GET /conversations/{id}. */
export interface DetailParams {
  include?: readonly Include[];
  /** The properties shown (`id` always); absent: all. */
  fields?: readonly ConversationField[];
}

/** What `fields=` may name: every property of a Conversation. */
export type ConversationField = keyof Conversation;

/** A conversation trimmed by `fields=`: `id` always, the named properties where the vendor gives them. */
export type ConversationFields<F extends ConversationField = ConversationField> = Pick<Conversation, 'id'> & Partial<Pick<Conversation, F>>;

/**
 * A page. Without `fields` its items are whole Conversations; with `fields` (the client's methods type it
 * from the names given) each is the selected part of one.
 */
export interface ConversationList<C extends ConversationFields = Conversation> {
  object: 'list';
  data: C[];
  limit: number;
  offset: number;
  /** Exact size of the union over the included vendors, or null when it cannot be known exactly. */
  total: number | null;
  hasMore: boolean;
  /** Send it as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
  /** A vendor failed on this page (see `sources`), or this walk skipped a vendor's items earlier (see `missed`). */
  partial: boolean;
  /** Best-effort walks: every vendor whose items this walk skipped so far. Absent when nothing was skipped. */
  missed?: MissedVendor[];
  sources: SourceReport[];
  /** With `explain: true`: per vendor, pushed and local filters, order, lazy or whole read. */
  plan?: ExplainedPlan[];
}

export interface InvalidParam {
  /** The parameter (or `(query)` for the query as a whole). */
  name: string;
  /** What is wrong with it. */
  reason: string;
}

/** RFC 9457 problem details: the body of every error the gateway sends. */
export interface Problem {
  /** A URN naming the code. */
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  /** Also in the X-Request-Id header; quote it when reporting a problem. */
  requestId: string;
  /** With INVALID_REQUEST and INVALID_CURSOR: each wrong parameter and why. */
  invalidParams?: InvalidParam[];
  /** When every vendor failed (or one did under `onVendorError: 'fail'`): each vendor's error. */
  errors?: VendorError[];
}

export type FilterCapability = 'pushed' | 'pushed, re-checked here' | 'here' | 'constant' | 'unsupported';

export interface VendorCapabilities {
  /** Per filter name (`FilterName`). */
  filters: Record<string, FilterCapability>;
  /** Per `OrderField`: sorted by the vendor in both directions, in one only (the other by the gateway), or by the gateway. */
  order: Record<string, 'pushed' | 'pushed desc' | 'pushed asc' | 'here'>;
  /** Every order the vendor sorts in: by its sort parameters, a parameter that selects it, or its natural order (none sent). */
  orders: { by: OrderField; dir: 'asc' | 'desc'; how: 'param' | 'select' | 'natural' }[];
  paging: 'offset' | 'page' | 'cursor' | 'none';
  /** Per `OrderField`: read only as deep as a page needs in both directions, in one only (whole in the other), or whole. */
  read: Record<string, 'lazy' | 'lazy desc' | 'lazy asc' | 'whole'>;
  maxItems: number;
  timeoutMs: number;
  /** The gateway's outbound budget toward the vendor. */
  rateLimit: { perMinute: number; burst: number; maxWaitMs: number } | null;
  /** Vendor response cache, when on. */
  cache: { ttlMs: number; staleWhileRevalidateMs: number; lockMs: number } | null;
}

export type MirrorState = 'warming' | 'ready' | 'stale' | 'error';

/** A vendor's incremental local copy. */
export interface MirrorStatus {
  state: MirrorState;
  strategy: string;
  /** Conversations in the copy. */
  rows: number;
  /** The copy is complete as of this instant. */
  syncedAt: string | null;
  lagMs: number | null;
  lastSync: {
    kind: 'full' | 'incremental' | 'head';
    startedAt: string;
    durationMs: number;
    calls: number;
    items: number;
    error: { code: string; message: string } | null;
  } | null;
  nextSyncAt: string | null;
  /** This replica holds the vendor's sync lease. */
  syncing: boolean;
}

/** A configured vendor: what its config lets the gateway do and how it is doing (one replica's view). */
export interface VendorStatus {
  name: string;
  enabled: boolean;
  /** Why a vendor is disabled. */
  reason?: string;
  /** The vendor's origin (null when disabled). */
  origin: string | null;
  capabilities: VendorCapabilities;
  state: {
    breaker: { state: 'closed' | 'open' | 'half-open'; failures: number; openedAt?: string; probeAt?: string };
    rateLimitedUntil: string | null;
    lastSuccessAt: string | null;
    lastError: { at: string; code: string; message: string; upstreamStatus: number | null } | null;
  };
  /** null: read live only. */
  mirror: MirrorStatus | null;
}

export interface VendorList {
  object: 'list';
  data: VendorStatus[];
}

export interface Health {
  status: 'ok';
}

export interface Readiness {
  /** `degraded` (HTTP 200): serving, with what is missing named in `degraded`; `not ready` (HTTP 503): starting or draining. */
  status: 'ready' | 'degraded' | 'not ready';
  /** What makes the replica degraded (present with status `degraded`). */
  degraded?: string[];
  /** Each mirrored vendor's mirror state. */
  mirrors?: Record<string, MirrorState>;
  /** Where rate-limit, 429 and breaker state lives. */
  stateStore?: 'memory' | 'redis' | 'fallback:memory';
}

/** The query of GET /conversations, typed; the gateway still validates it (and names what is wrong). */
export interface ListParams {
  /** One vendor name, or several. */
  vendor?: string | readonly string[];
  status?: 'open' | 'closed';
  channel?: string;
  agentId?: string;
  leadId?: string;
  visitorId?: string;
  userId?: string;
  search?: string;
  /** Inclusive. A Date is sent as ISO 8601 UTC. */
  createdAfter?: string | Date;
  /** Exclusive. */
  createdBefore?: string | Date;
  updatedAfter?: string | Date;
  updatedBefore?: string | Date;
  orderBy?: OrderField;
  orderDir?: 'asc' | 'desc';
  limit?: number;
  offset?: number;
  /** A previous page's `nextCursor`; only `limit` may be sent with it. */
  cursor?: string;
  include?: readonly Include[];
  explain?: boolean;
  strict?: boolean;
  /** The properties each conversation shows (`id` always); absent: all. */
  fields?: readonly ConversationField[];
  /** `partial` (the server's default) or `fail`; `walkConversations` sends `fail` unless told otherwise. */
  onVendorError?: 'partial' | 'fail';
}
