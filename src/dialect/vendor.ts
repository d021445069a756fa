/**
 * compileVendor: one vendor's validated YAML → plain functions and facts the pipeline uses. This is the
 * only place config is interpreted; nothing downstream looks at YAML again.
 */
import type { BreakerConfig, CacheConfig, GatewayConfig, LazyReadConfig, RateLimitConfig, RetryConfig } from '../config/gateway-schema.js';
import type { FilterSpec, VendorConfig } from '../config/vendor-schema.js';
import type { VendorFailure } from '../errors/gateway-error.js';
import { clip, compileRedactor, scrubFailure, type Redactor } from '../errors/redact.js';
import { FILTER_NAMES, TIME_FILTERS, type FilterName, type OrderDir, type OrderField } from '../model/query.js';
import { compileErrors, failure, headerOf, tryParseJson, type ErrorMapper, type RawResponse } from './errors.js';
import { compileFields, DialectError, type ItemMapper } from './fields.js';
import { compilePaging, pageSizeFor, type PageFacts, type Paging, type Token } from './paging.js';
import { compilePath, compilePaths, parsePath, type Getter } from './path.js';
import { formatTimeParam } from './time.js';
import { compileMirror, type MirrorSpec } from '../mirror/strategy.js';
import { compileOrders, type VendorOrder } from './order.js';

export type { VendorOrder } from './order.js';

/** RFC 4122 UUID with version 1–5 and variant 8/9/a/b: the strict form vendors check. */
export const STRICT_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/**
 * What pushing one filter value down gives: the parameters that carry it (one, or a value's own set),
 * "nothing can match", "check it locally instead" or a reason to reject the request.
 */
export type PushResult = { params: readonly [string, string][] } | { noMatch: true } | { localOnly: true } | { invalid: string };

export interface FilterSupport {
  /** Present when the vendor takes the filter as a parameter. */
  push?: (value: string | number) => PushResult;
  spec?: FilterSpec;
  /** Whether the unified item carries what the filter tests, so it can be checked locally. */
  local: boolean;
  /** The field's value when the config makes it a constant: the filter is decided at plan time. */
  constant?: string | null;
  /**
   * Parameters sent whenever this filter's own are not (the caller doesn't filter by it, or it is checked
   * here): what makes the vendor answer every value of it (`status=all`). [] when the vendor needs none.
   */
  absent: readonly [string, string][];
}

/** The `whenAbsent` parameters of every filter not carried by its own parameters on this request. */
export function absentParams(filters: Readonly<Record<FilterName, FilterSupport>>, carried: readonly FilterName[]): [string, string][] {
  return FILTER_NAMES.filter((n) => !carried.includes(n)).flatMap((n) => filters[n].absent);
}

export interface PageRequest {
  path: string;
  /** Encoded query string, without `?`. */
  query: string;
}

export interface Page {
  items: unknown[];
  facts: PageFacts;
}

/** Reading one conversation by its vendor id, as the vendor's `detail` declares it. */
export interface DetailRequest {
  /** The vendor id → the request (fixed parameters included: a scope every call carries). */
  buildRequest(externalId: string): PageRequest;
  /** The answer → the raw item, `notFound` (a 404), or the failure. */
  readItem(res: RawResponse): { item: unknown } | 'notFound' | VendorFailure;
  /** The item → the unified conversation (messages from the detail's own path, where it has one). */
  mapItem: ItemMapper;
}

export interface CompiledVendor {
  readonly name: string;
  readonly enabled: boolean;
  readonly origin: string;
  readonly timeoutMs: number;
  readonly connections: number;
  readonly maxItems: number;
  /** How far one request may read past its page when the vendor is read lazily. */
  readonly lazyRead: LazyReadConfig;
  readonly maxResponseBytes: number;
  readonly retry: RetryConfig;
  readonly breaker: BreakerConfig;
  readonly cache: CacheConfig;
  /** Longest wait a 429's Retry-After is believed for (and remembered). */
  readonly maxRetryAfterMs: number;
  /** Outbound budget, when the vendor has one. */
  readonly rateLimit: RateLimitConfig | undefined;
  readonly simulator: string | undefined;
  readonly filters: Readonly<Record<FilterName, FilterSupport>>;
  /** Every order the vendor can answer in, with the parameters that select it ([] for its natural order). */
  readonly orders: readonly VendorOrder[];
  readonly paging: Paging;
  readonly headers: Readonly<Record<string, string>>;
  /** The parameters for this order ([] for the natural one), or null when the vendor can't answer in it. */
  orderFor(by: OrderField, dir: OrderDir): readonly [string, string][] | null;
  /** Fixed parameters and those an include needs (e.g. all messages). */
  fixedParams(include: { messages: boolean }): [string, string][];
  buildRequest(params: readonly [string, string][], token: Token, size: number): PageRequest;
  readPage(res: RawResponse): Page | VendorFailure;
  mapItem: ItemMapper;
  mapError: ErrorMapper;
  /** The credentials from the config (what the vendor cache keys its pages by). */
  readonly secrets: readonly string[];
  /** Redacts every secret configured for this vendor: credentials and fixed query values. */
  readonly redact: Redactor;
  /**
   * A failure of this vendor as callers may see it: messages and codes redacted and cut, the vendor's host
   * replaced by its name. Every failure crosses it on its way out (the sources, the mirror sync).
   */
  scrub(f: VendorFailure): VendorFailure;
  /** How its local copy is kept and served; null for a vendor read live only. */
  readonly mirror: MirrorSpec | null;
  /** How to read one conversation by id; null when the vendor has no such request. */
  readonly detail: DetailRequest | null;
  /**
   * Where the items sit as plain keys (`[]` for a bare array), when a 2xx body holds nothing else we must
   * check (no errorWhen): such a body can be parsed as a stream. Null otherwise.
   */
  readonly itemKeys: readonly string[] | null;
}

/**
 * Fixed query values are redacted too (a site id, an `api_key` in the query), all but the flags that are
 * plainly no secret.
 */
const NOT_SECRET = new Set(['true', 'false']);

export function compileVendor(v: VendorConfig, g: GatewayConfig): CompiledVendor {
  const mapItem = compileFields(v.name, v.response.fields);
  const maxRetryAfterMs = g.upstream.maxRetryAfterMs;
  const paging = compilePaging(v.request.pagination);
  if (v.request.pagination.style === 'page' && !v.request.pagination.pageParam && !v.path.includes('{page}')) {
    throw new DialectError('request.pagination.pageParam', 'is needed unless `path` carries {page}');
  }
  if (v.request.pagination.style === 'cursor' && !v.response.nextCursor) {
    throw new DialectError('response.nextCursor', 'is needed for cursor pagination');
  }

  const fixed: [string, string][] = [];
  for (const [name, p] of Object.entries(v.request.query)) {
    const value = typeof p === 'string' ? p : p.value;
    if (typeof p !== 'string' && p.format === 'uuid' && !STRICT_UUID.test(value)) {
      throw new DialectError(`request.query.${name}`, `"${value}" is not a UUID (version 1-5, RFC 4122 variant)`);
    }
    fixed.push([name, value]);
  }
  const messagesParams = Object.entries(v.request.include.messages?.query ?? {});

  const f = v.response.fields;
  const localFields: Record<FilterName, unknown> = {
    status: f.status,
    channel: f.channel,
    agentId: f.agent?.fields.id,
    leadId: f.leadId,
    visitorId: f.visitorId,
    userId: f.userId,
    search: true,
    createdAfter: f.createdAt,
    createdBefore: f.createdAt,
    updatedAfter: f.updatedAt,
    updatedBefore: f.updatedAt,
  };
  const constantOf = (spec: unknown): string | null | undefined =>
    typeof spec === 'object' && spec !== null && !Array.isArray(spec) && 'const' in spec
      ? ((spec as { const: unknown }).const as string | null)
      : undefined;

  const filters = {} as Record<FilterName, FilterSupport>;
  for (const name of FILTER_NAMES) {
    const spec = v.request.filters[name];
    const constant = name === 'status' || name === 'channel' ? constantOf(localFields[name]) : undefined;
    filters[name] = {
      local: localFields[name] !== undefined,
      absent: spec ? absentOf(spec) : [],
      ...(spec ? { spec, push: compilePush(name, spec) } : {}),
      ...(constant !== undefined ? { constant } : {}),
    };
  }

  const { orders, orderFor } = compileOrders(v.request.order, v.response.fields);
  const auth = v.auth;
  const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'switchboard/0.1' };
  const secrets: string[] = [];
  if (auth.type === 'bearer' && auth.token) {
    headers.authorization = `Bearer ${auth.token}`;
    secrets.push(auth.token);
  } else if (auth.type === 'header' && auth.value) {
    headers[auth.name.toLowerCase()] = auth.value;
    secrets.push(auth.value);
  } else if (auth.type === 'basic' && (auth.username || auth.password)) {
    headers.authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
    secrets.push(auth.password, headers.authorization.slice(6));
  }

  const base = v.baseUrl === '' ? null : new URL(v.baseUrl);
  // A base URL may carry a path prefix (e.g. behind a proxy); the vendor path is appended to it.
  const prefix = base ? base.pathname.replace(/\/$/, '') : '';

  // Vendors sometimes echo what we sent; what they say must never carry our credentials onward. One
  // redaction of every configured secret, compiled here, serves every string taken from this vendor.
  const redact = compileRedactor([...secrets, ...fixed.map(([, value]) => value).filter((value) => !NOT_SECRET.has(value.toLowerCase()))]);
  const mapError = compileErrors(v.errors, redact, { maxRetryAfterSeconds: Math.floor(maxRetryAfterMs / 1000) });
  const origin = base ? base.origin : '';
  const who = { name: v.name, origin };

  const items = compilePath(v.response.items);
  const total = v.response.total ? compilePaths(v.response.total) : () => undefined;
  const nextCursor = v.response.nextCursor ? compilePaths(v.response.nextCursor) : () => undefined;
  const hasMore = v.response.hasMore ? compilePaths(v.response.hasMore) : () => undefined;
  const errorWhen = v.response.errorWhen;
  const errorProbe: Getter | null = errorWhen ? compilePath(errorWhen.path) : null;

  const timeoutMs = v.timeoutMs ?? g.upstream.timeoutMs;
  const steps = parsePath(v.response.items);
  const itemKeys = !v.response.errorWhen && steps.every((s) => s.kind === 'key') ? steps.map((s) => (s as { key: string }).key) : null;
  const mirror = compileMirror(v, { filters, orderFor, paging, origin: base ? base.origin : '', headers, fixed, absent: absentParams(filters, []), hasMessagesInclude: messagesParams.length > 0, streamable: itemKeys !== null }, timeoutMs);

  const detail = v.detail ? compileDetail(v, v.detail, { prefix, fixed, mapItem, mapError, redact }) : null;

  return {
    name: v.name,
    enabled: v.enabled,
    mirror,
    detail,
    itemKeys,
    origin,
    timeoutMs,
    connections: v.connections ?? g.upstream.connections,
    maxItems: v.maxItems ?? g.upstream.maxItems,
    lazyRead: v.lazyRead ?? g.upstream.lazyRead,
    maxResponseBytes: g.upstream.maxResponseBytes,
    retry: v.retry ?? g.upstream.retry,
    breaker: v.breaker ?? g.upstream.breaker,
    cache: v.cache ?? g.upstream.cache,
    maxRetryAfterMs,
    rateLimit: v.rateLimit,
    simulator: v.simulator,
    filters,
    orders,
    orderFor,
    paging,
    headers,
    secrets,
    redact,
    scrub: (f) => scrubFailure(f, redact, who),
    fixedParams: (include) => (include.messages && messagesParams.length > 0 ? [...fixed, ...messagesParams] : fixed),
    buildRequest: (params, token, size) => {
      const p = paging.params(token, pageSizeFor(paging, size));
      const path = prefix + (p.pathPage === undefined ? v.path : v.path.replaceAll('{page}', encodeURIComponent(p.pathPage)));
      // URLSearchParams percent-encodes every value: a caller's value can't add a parameter or a path.
      const query = new URLSearchParams([...params, ...p.query]).toString();
      return { path, query };
    },
    readPage: (res) => {
      const parsed = tryParseJson(res.body);
      if (res.status < 200 || res.status > 299) return mapError(res, parsed);
      if (parsed === undefined) {
        return failure('UPSTREAM_INVALID_RESPONSE', `expected a JSON body, got ${describeBody(res, redact)}`, { upstreamStatus: res.status });
      }
      if (errorProbe && errorWhen && errorProbe(parsed) === errorWhen.equals) return mapError(res, parsed);
      const list = items(parsed);
      if (!Array.isArray(list)) {
        return failure('UPSTREAM_INVALID_RESPONSE', `expected a list of items at "${v.response.items}"`, { upstreamStatus: res.status });
      }
      const t = total(parsed);
      const nc = nextCursor(parsed);
      const hm = hasMore(parsed);
      return {
        items: list,
        facts: {
          count: list.length,
          total: typeof t === 'number' && Number.isInteger(t) && t >= 0 ? t : typeof t === 'string' && /^\d+$/.test(t) ? Number(t) : null,
          nextCursor: typeof nc === 'string' && nc !== '' ? nc : typeof nc === 'number' ? String(nc) : null,
          hasMore: typeof hm === 'boolean' ? hm : null,
        },
      };
    },
    mapItem,
    mapError,
  };
}

function compileDetail(
  v: VendorConfig,
  d: NonNullable<VendorConfig['detail']>,
  c: { prefix: string; fixed: readonly [string, string][]; mapItem: ItemMapper; mapError: ErrorMapper; redact: Redactor },
): DetailRequest {
  const item = compilePath(d.item);
  const errorWhen = v.response.errorWhen;
  const errorProbe: Getter | null = errorWhen ? compilePath(errorWhen.path) : null;
  let mapItem = c.mapItem;
  if (d.messages) {
    const fields = d.messages.fields ?? v.response.fields.messages?.fields;
    if (!fields) throw new DialectError('detail.messages.fields', 'is needed: response.fields.messages has no fields to reuse');
    // The detail's messages are there whenever it answers: no include decides whether they are read.
    mapItem = compileFields(v.name, { ...v.response.fields, messages: { each: d.messages.each, fields } });
  }
  const query = new URLSearchParams([...c.fixed]).toString();
  return {
    buildRequest: (externalId) => ({ path: c.prefix + d.path.replaceAll('{id}', encodeURIComponent(externalId)), query }),
    readItem: (res) => {
      if (res.status === 404) return 'notFound';
      const parsed = tryParseJson(res.body);
      if (res.status < 200 || res.status > 299) return c.mapError(res, parsed);
      if (parsed === undefined) return failure('UPSTREAM_INVALID_RESPONSE', `expected a JSON body, got ${describeBody(res, c.redact)}`, { upstreamStatus: res.status });
      if (errorProbe && errorWhen && errorProbe(parsed) === errorWhen.equals) return c.mapError(res, parsed);
      const found = item(parsed);
      if (typeof found !== 'object' || found === null || Array.isArray(found)) {
        return failure('UPSTREAM_INVALID_RESPONSE', `expected a conversation at "${d.item}"`, { upstreamStatus: res.status });
      }
      return { item: found };
    },
    mapItem,
  };
}

/** The start of a body that is no JSON, redacted before it is cut (a debugging vendor may echo our headers). */
function describeBody(res: RawResponse, redact: Redactor): string {
  const t = res.body.trim();
  if (t === '') return 'an empty body';
  const type = clip(headerOf(res.headers, 'content-type') ?? 'no content-type', redact, 80);
  // Redacted whole, then cut: the body may be megabytes, the snippet is 40 characters.
  const head = redact(t).slice(0, 400).replace(/\s+/g, ' ');
  return `${type} (${head.slice(0, 40)}${head.length > 40 ? '…' : ''})`;
}

/** A filter's `whenAbsent` as parameters (the schema makes sure a string one has a `param`). */
function absentOf(spec: FilterSpec): [string, string][] {
  const w = spec.whenAbsent;
  if (w === undefined) return [];
  return typeof w === 'string' ? [[spec.param!, w]] : Object.entries(w);
}

function compilePush(name: FilterName, spec: FilterSpec): (value: string | number) => PushResult {
  const isTime = (TIME_FILTERS as readonly string[]).includes(name);
  const values = spec.values;
  // A values map alone may carry every value; otherwise the schema made sure there is a `param`.
  const param = spec.param!;
  return (value) => {
    if (isTime) {
      const format = spec.format === 'string' || spec.format === 'uuid' ? 'iso' : spec.format;
      return { params: [[param, formatTimeParam(value as number, format)]] };
    }
    const s = String(value);
    if (spec.format === 'uuid' && !STRICT_UUID.test(s)) {
      return { invalid: 'must be a UUID (version 1-5, RFC 4122 variant)' };
    }
    if (values) {
      if (!Object.hasOwn(values, s)) return { noMatch: true };
      const mapped = values[s];
      if (mapped === null || mapped === undefined) return { localOnly: true };
      return { params: typeof mapped === 'string' ? [[param, mapped]] : Object.entries(mapped) };
    }
    return { params: [[param, s]] };
  };
}
