/**
 * A typed client for the Switchboard API: a thin wrapper around `fetch` whose types come from the zod
 * schemas /openapi.json is generated from, so the client, the server and the published contract agree.
 * No runtime dependency beyond `fetch` (Node ≥ 18, browsers).
 *
 * ```ts
 * import { createClient, SwitchboardError } from 'switchboard/client';
 * const sb = createClient({ baseUrl: 'http://localhost:8080', apiKey: process.env.SWITCHBOARD_KEY });
 * const page = await sb.listConversations({ status: 'open', orderBy: 'createdAt', limit: 20 });
 * for await (const page of sb.walkConversations({ vendor: ['acme'], limit: 100 })) { … }
 * ```
 *
 * `walkConversations` is exact: it asks `onVendorError=fail`, so a page is whole or it is an error, retries
 * a failed page (same cursor) with backoff that honours Retry-After, and throws `SwitchboardWalkError` with
 * the cursor to resume from when it gives up.
 */
import type { z } from '@hono/zod-openapi';
import type { ConversationListSchema, ConversationSchema, ExplainedPlanSchema, SourceReportSchema } from '../conversations/response-schema.js';
import type { buildQuerySchema } from '../conversations/query-schema.js';
import type { ErrorCode } from '../errors/catalogue.js';
import type { ProblemSchema } from '../errors/problem-schema.js';
import type { Include, OrderField } from '../model/query.js';
import type { HealthSchema, ReadinessSchema, VendorListSchema } from '../ops/ops-schema.js';
import type { Same } from '../openapi/same.js';

export type Conversation = z.infer<typeof ConversationSchema>;
export type ConversationList = z.infer<typeof ConversationListSchema>;
export type SourceReport = z.infer<typeof SourceReportSchema>;
export type ExplainedPlan = z.infer<typeof ExplainedPlanSchema>;
export type Problem = z.infer<typeof ProblemSchema>;
export type VendorList = z.infer<typeof VendorListSchema>;
export type Health = z.infer<typeof HealthSchema>;
export type Readiness = z.infer<typeof ReadinessSchema>;
export type { ErrorCode };

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
  /** The properties each conversation shows (`id` always); absent: all. */
  fields?: readonly string[];
  explain?: boolean;
  strict?: boolean;
  /** `partial` (the server's default) or `fail`; `walkConversations` sends `fail` unless told otherwise. */
  onVendorError?: 'partial' | 'fail';
}

// Every parameter the server's query schema accepts, and no other.
const _params: Same<keyof ListParams, keyof z.output<ReturnType<typeof buildQuerySchema>>> = true;
void _params;

export interface ClientOptions {
  /** Where the gateway is, e.g. `http://localhost:8080`. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <key>`. */
  apiKey?: string;
  /** Extra headers on every request (e.g. `x-request-id`). */
  headers?: Record<string, string>;
  /** Defaults to the global `fetch`. */
  fetch?: typeof fetch;
}

/** A non-2xx answer: the problem+json body, with its stable `code`. */
export class SwitchboardError extends Error {
  readonly status: number;
  readonly code: ErrorCode | undefined;
  readonly problem: Problem | undefined;
  /** Seconds, from `Retry-After` (429, 503). */
  readonly retryAfter: number | undefined;

  constructor(status: number, problem: Problem | undefined, retryAfter: number | undefined, fallback: string) {
    super(problem ? `${problem.code}: ${problem.detail}` : fallback);
    this.name = 'SwitchboardError';
    this.status = status;
    this.code = problem?.code;
    this.problem = problem;
    this.retryAfter = retryAfter;
  }
}

export interface RequestOptions {
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

/** How `walkConversations` retries a page that failed for a reason that may pass. */
export interface WalkOptions extends RequestOptions {
  /** Retries of one page before giving up (default 5). */
  retries?: number;
  /** The first backoff (ms); each retry doubles the ceiling, with full jitter (default 500). */
  minDelayMs?: number;
  /** The longest wait before one retry (ms); a longer Retry-After gives up at once (default 60 000). */
  maxDelayMs?: number;
  /** How to wait (default: a timer, cut short by `signal`). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Codes a later retry of the same page may get past; the others (a 4xx, refused credentials, …) won't. */
const RETRYABLE = new Set<string>(['RATE_LIMITED', 'UPSTREAM_ERROR', 'UPSTREAM_INVALID_RESPONSE', 'UPSTREAM_UNAVAILABLE', 'UPSTREAM_TIMEOUT', 'OVERLOADED']);

function retryable(e: unknown): boolean {
  if (e instanceof SwitchboardError) return e.code !== undefined ? RETRYABLE.has(e.code) : [429, 502, 503, 504].includes(e.status);
  // fetch's own failure (connection refused or reset): the gateway may be restarting.
  return e instanceof TypeError;
}

/**
 * A walk gave up: the last page's error (status, code, problem), how often that page was tried, and the
 * cursor to resume from (`walkConversations({ cursor })`; null when the first page failed).
 */
export class SwitchboardWalkError extends SwitchboardError {
  readonly cursor: string | null;
  readonly attempts: number;
  /** Pages the walk yielded before it gave up. */
  readonly pages: number;

  constructor(last: unknown, info: { cursor: string | null; attempts: number; pages: number; why: string }) {
    const e = last instanceof SwitchboardError ? last : undefined;
    super(e?.status ?? 0, e?.problem, e?.retryAfter, `${(last as Error)?.message ?? String(last)}`);
    this.name = 'SwitchboardWalkError';
    this.message = `walk stopped after ${info.pages} page${info.pages === 1 ? '' : 's'} (${info.why}): ${this.message}`;
    this.cause = last;
    this.cursor = info.cursor;
    this.attempts = info.attempts;
    this.pages = info.pages;
  }
}

const timer = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', stop);
      resolve();
    }, ms);
    const stop = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', stop, { once: true });
  });

export function createClient(options: ClientOptions) {
  const base = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;

  async function get<T>(path: string, init: RequestOptions = {}, accept: (status: number) => boolean = (s) => s >= 200 && s < 300): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers, ...init.headers };
    if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
    const res = await doFetch(base + path, { headers, ...(init.signal ? { signal: init.signal } : {}) });
    const text = await res.text();
    if (accept(res.status)) return JSON.parse(text) as T;
    let problem: Problem | undefined;
    try {
      const body = JSON.parse(text) as Partial<Problem>;
      if (typeof body.code === 'string' && typeof body.status === 'number') problem = body as Problem;
    } catch {
      /* not problem+json (e.g. a proxy's HTML error page) */
    }
    const retryAfter = Number(res.headers.get('retry-after') ?? Number.NaN);
    throw new SwitchboardError(res.status, problem, Number.isFinite(retryAfter) ? retryAfter : undefined, `GET ${base + path}: HTTP ${res.status}`);
  }

  return {
    /** One page. Throws `SwitchboardError` on 4xx/5xx (e.g. `INVALID_REQUEST` with `problem.invalidParams`). */
    listConversations(params: ListParams = {}, init?: RequestOptions): Promise<ConversationList> {
      return get<ConversationList>(`/conversations${toQueryString(params)}`, init);
    },

    /**
     * Every page of a query, in order: the first with `params` (or from `params.cursor`, to resume), then
     * each `nextCursor` with the same limit, until the last page. Exact unless told otherwise: it sends
     * `onVendorError=fail` and retries a failed page as `WalkOptions` say; when it gives up it throws
     * `SwitchboardWalkError`. With `onVendorError: 'partial'` pages may skip a failed vendor's items
     * (each such page says `partial: true` and names it in `missed`).
     */
    async *walkConversations(params: ListParams = {}, opts: WalkOptions = {}): AsyncGenerator<ConversationList, void, undefined> {
      const { retries = 5, minDelayMs = 500, maxDelayMs = 60_000, sleep = timer, ...init } = opts;
      const limit = params.limit !== undefined ? { limit: params.limit } : {};
      const first = params.cursor !== undefined ? { cursor: params.cursor, ...limit } : { onVendorError: 'fail' as const, ...params };
      let cursor: string | null = params.cursor ?? null;
      let pages = 0;
      let path = `/conversations${toQueryString(first)}`;
      for (;;) {
        let page: ConversationList;
        for (let attempt = 1; ; attempt++) {
          try {
            page = await get<ConversationList>(path, init);
            break;
          } catch (e) {
            if (init.signal?.aborted) throw e;
            const give = (why: string) => new SwitchboardWalkError(e, { cursor, attempts: attempt, pages, why });
            if (!retryable(e)) throw give('not retryable');
            if (attempt > retries) throw give(`gave up after ${attempt} attempts`);
            const after = e instanceof SwitchboardError ? e.retryAfter : undefined;
            // Retry-After is the server's word; without one, full-jitter exponential backoff.
            const wait = after !== undefined ? after * 1000 : Math.random() * Math.min(maxDelayMs, minDelayMs * 2 ** (attempt - 1));
            if (wait > maxDelayMs) throw give(`Retry-After ${after} s is over maxDelayMs`);
            await sleep(wait, init.signal);
          }
        }
        pages++;
        yield page;
        if (!page.nextCursor) return;
        cursor = page.nextCursor;
        path = `/conversations${toQueryString({ cursor, ...limit })}`;
      }
    },

    vendors(init?: RequestOptions): Promise<VendorList> {
      return get<VendorList>('/vendors', init);
    },

    healthz(init?: RequestOptions): Promise<Health> {
      return get<Health>('/healthz', init);
    },

    /** `{status: 'ready'}` or, while starting or draining (503), `{status: 'not ready'}`. */
    readyz(init?: RequestOptions): Promise<Readiness> {
      return get<Readiness>('/readyz', init, (s) => s === 200 || s === 503);
    },
  };
}

export type SwitchboardClient = ReturnType<typeof createClient>;

/** ListParams → `?a=b&…` (lists comma-joined, Dates as ISO 8601, undefined left out). */
export function toQueryString(params: ListParams): string {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params) as [string, unknown][]) {
    if (value === undefined) continue;
    if (value instanceof Date) q.set(key, value.toISOString());
    else if (Array.isArray(value)) q.set(key, value.join(','));
    else q.set(key, String(value));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}
