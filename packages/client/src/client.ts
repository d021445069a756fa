/**
 * `createClient`: a thin wrapper around `fetch` (Node ≥ 18, browsers, Deno, Bun) for the Switchboard API,
 * and its exact cursor walker.
 */
import { SwitchboardError, SwitchboardWalkError } from './errors.js';
import type { Conversation, ConversationDetail, ConversationField, ConversationFields, ConversationList, DetailParams, Health, ListParams, Problem, Readiness, VendorList } from './types.js';

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

/** The page type a query gets: whole Conversations, or with `fields` the selected parts of them. */
export type PageOf<P extends ListParams> = P extends { fields: readonly (infer F extends ConversationField)[] } ? ConversationList<ConversationFields<F>> : ConversationList<Conversation>;

/** The answer GET /conversations/{id} gets: the whole Conversation, or with `fields` the selected part. */
export type DetailOf<P extends DetailParams> = P extends { fields: readonly (infer F extends ConversationField)[] } ? ConversationDetail<ConversationFields<F>> : ConversationDetail<Conversation>;

export interface SwitchboardClient {
  /**
   * One conversation by its unified id (`vendor:externalId`), from the vendor's mirror or its detail
   * request. A conversation that isn't there is `SwitchboardError` 404 `NOT_FOUND`, saying why.
   */
  getConversation<P extends DetailParams = DetailParams>(id: string, params?: P, init?: RequestOptions): Promise<DetailOf<P>>;
  /** One page. Throws `SwitchboardError` on 4xx/5xx (e.g. `INVALID_REQUEST` with `problem.invalidParams`). */
  listConversations<P extends ListParams = ListParams>(params?: P, init?: RequestOptions): Promise<PageOf<P>>;
  /**
   * Every page of a query, in order: the first with `params` (or from `params.cursor`, to resume), then
   * each `nextCursor` with the same limit, until the last page. Exact unless told otherwise: it sends
   * `onVendorError=fail` and retries a failed page as `WalkOptions` say; when it gives up it throws
   * `SwitchboardWalkError`. With `onVendorError: 'partial'` pages may skip a failed vendor's items
   * (each such page says `partial: true` and names it in `missed`).
   */
  walkConversations<P extends ListParams = ListParams>(params?: P, opts?: WalkOptions): AsyncGenerator<PageOf<P>, void, undefined>;
  vendors(init?: RequestOptions): Promise<VendorList>;
  healthz(init?: RequestOptions): Promise<Health>;
  /** `{status: 'ready'}`, `{status: 'degraded', degraded: [...]}` (still serving), or while starting or draining (503) `{status: 'not ready'}`. */
  readyz(init?: RequestOptions): Promise<Readiness>;
}

export function createClient(options: ClientOptions): SwitchboardClient {
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

  const listConversations = (params: ListParams = {}, init?: RequestOptions) => get<ConversationList>(`/conversations${toQueryString(params)}`, init);

  async function* walkConversations(params: ListParams = {}, opts: WalkOptions = {}): AsyncGenerator<ConversationList, void, undefined> {
    const { retries = 5, minDelayMs = 500, maxDelayMs = 60_000, sleep = timer, ...init } = opts;
    const limit = params.limit !== undefined ? { limit: params.limit } : {};
    const first: ListParams = params.cursor !== undefined ? { cursor: params.cursor, ...limit } : { onVendorError: 'fail', ...params };
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
  }

  const getConversation = (id: string, params: DetailParams = {}, init?: RequestOptions) =>
    get<ConversationDetail>(`/conversations/${encodeURIComponent(id)}${toQueryString(params)}`, init);

  return {
    getConversation: getConversation as SwitchboardClient['getConversation'],
    // The server trims items to `fields`; the interface's PageOf says so in the type. At run time a page
    // is a page, whichever type it is seen as.
    listConversations: listConversations as SwitchboardClient['listConversations'],
    walkConversations: walkConversations as SwitchboardClient['walkConversations'],

    vendors(init) {
      return get<VendorList>('/vendors', init);
    },

    healthz(init) {
      return get<Health>('/healthz', init);
    },

    readyz(init) {
      return get<Readiness>('/readyz', init, (s) => s === 200 || s === 503);
    },
  };
}

/** ListParams → `?a=b&…` (lists comma-joined, Dates as ISO 8601, undefined left out). */
export function toQueryString(params: ListParams | DetailParams): string {
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
