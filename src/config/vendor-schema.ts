/**
 * The vendor config language: everything Switchboard knows about a vendor is said here, in YAML,
 * and compiled once by src/dialect. Objects are strict so a typo is an error, not a silent default.
 */
import { z } from 'zod';
import { FILTER_NAMES, ORDER_FIELDS } from '../model/query.js';
import { bool, breakerSchema, cacheSchema, count, lazyReadSchema, rateLimitSchema, retrySchema } from './gateway-schema.js';
import { mirrorSchema } from './mirror-schema.js';


/** A JSON path into a vendor document: `a.b[0]`, `a[-1]` (last), `a[*].b` (every), `$` (the root). */
export const pathSchema = z.string().min(1).regex(/^(\$|[^.\s[\]]+|\[-?\d+\]|\[\*\])(\.[^.\s[\]]+|\[-?\d+\]|\[\*\])*$/, {
  message: 'a path like a.b[0].c, a[-1], a[*].b or $',
});
/** One path, or fallbacks tried in order until one yields a value. */
export const pathsSchema = z.union([pathSchema, z.array(pathSchema).min(1)]);

export const TIME_FORMATS = ['auto', 'iso', 'unix', 'unixMs'] as const;

const valueSpecObject = z.strictObject({
  path: pathsSchema.optional(),
  const: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
  /**
   * Vendor value (stringified) → unified value; `null` maps to null. A value not listed is kept only if the
   * field could take it as is (a unified enum value, or one of the map's targets); otherwise `default` or null.
   */
  map: z.record(z.string(), z.union([z.string(), z.null()])).optional(),
  /** Unified value when the path yields nothing or the map has no entry. */
  default: z.union([z.string(), z.number(), z.null()]).optional(),
  time: z.enum(TIME_FORMATS).optional(),
  /** Join an array of strings (e.g. from `parts[*].text`). */
  join: z.string().optional(),
  /** The length of the array at `path`. */
  count: z.boolean().optional(),
  /** Read only when the caller asked for this include (e.g. counts that are exact only with all messages). */
  whenInclude: z.enum(['messages', 'raw']).optional(),
});
export const valueSpecSchema = z.union([pathsSchema, valueSpecObject]);
export type ValueSpec = z.infer<typeof valueSpecSchema>;

const objectSpec = <S extends z.ZodRawShape>(fields: S) =>
  z.strictObject({
    /** Where the object lives; sub-field paths are relative to it. Omit for the item itself. */
    from: pathSchema.optional(),
    fields: z.strictObject(fields),
    whenInclude: z.enum(['messages', 'raw']).optional(),
  });

const messageFields = {
  id: valueSpecSchema.optional(),
  text: valueSpecSchema.optional(),
  author: valueSpecSchema.optional(),
  createdAt: valueSpecSchema.optional(),
};

export const fieldsSchema = z.strictObject({
  externalId: valueSpecSchema,
  title: valueSpecSchema.optional(),
  status: valueSpecSchema.optional(),
  channel: valueSpecSchema.optional(),
  createdAt: valueSpecSchema.optional(),
  updatedAt: valueSpecSchema.optional(),
  lastActivityAt: valueSpecSchema.optional(),
  closedAt: valueSpecSchema.optional(),
  handledBy: valueSpecSchema.optional(),
  agent: objectSpec({ id: valueSpecSchema.optional(), name: valueSpecSchema.optional() }).optional(),
  contact: objectSpec({ name: valueSpecSchema.optional(), email: valueSpecSchema.optional(), phone: valueSpecSchema.optional() }).optional(),
  messageCount: valueSpecSchema.optional(),
  lastMessage: objectSpec({ text: messageFields.text, author: messageFields.author, createdAt: messageFields.createdAt }).optional(),
  messages: z
    .strictObject({ each: pathSchema, fields: z.strictObject(messageFields), whenInclude: z.enum(['messages', 'raw']).optional() })
    .optional(),
  leadId: valueSpecSchema.optional(),
  visitorId: valueSpecSchema.optional(),
  userId: valueSpecSchema.optional(),
});
export type FieldsConfig = z.infer<typeof fieldsSchema>;

export const PARAM_FORMATS = ['string', 'uuid', 'iso', 'isoSeconds', 'date', 'unix', 'unixMs'] as const;

/** Parameters a filter sends (a value's own, or those for when the caller doesn't filter): name → value. */
const paramMap = z
  .record(z.string().min(1), z.string())
  .refine((m) => Object.keys(m).length > 0, { message: 'must name at least one parameter' })
  .describe('Parameters sent as they are: name → value, e.g. { filter_resolved: "1" }.');

const filterSpec = z
  .strictObject({
    param: z
      .string()
      .min(1)
      .optional()
      .describe("The vendor's query parameter for this filter. Needed unless every value in `values` is a map of its own parameters (or null) and `whenAbsent` is no string."),
    values: z
      .record(z.string(), z.union([z.string(), z.null(), paramMap]))
      .optional()
      .describe(
        'Unified value → what to send. A string is sent as `<param>=<string>`; a map sends its own parameters instead (e.g. closed: { filter_resolved: "1" }); null means the value can\'t be sent (it spans several vendor values): the vendor is read without it and the value is checked here. A value not listed means the vendor can hold no match (no call).',
      ),
    whenAbsent: z
      .union([z.string(), paramMap])
      .optional()
      .describe(
        "What to send when the caller doesn't filter by this (or the filter is checked here instead): a string is sent as `<param>=<string>`, a map as its parameters. For a vendor that answers a subset unless told otherwise, e.g. `whenAbsent: all` where it answers only open conversations unless status=all is sent.",
      ),
    format: z
      .enum(PARAM_FORMATS)
      .default('string')
      .describe('How the value is written: times as ISO (with or without ms), a date, Unix seconds or ms; `uuid` validates the caller\'s value (a malformed one is a 400).'),
    exact: bool
      .default(true)
      .describe('Whether the vendor applies exactly our semantics. When false the filter is still pushed (to fetch less) but the vendor\'s total no longer counts matches, so it is not used as ours.'),
    recheck: bool
      .default(true)
      .describe("Whether to check the vendor's answer again here. Off only where the vendor searches data we can't see (e.g. message text we don't fetch): re-checking would drop true matches."),
    ignoredWith: z
      .array(z.enum(FILTER_NAMES as [string, ...string[]]))
      .optional()
      .describe('The vendor ignores this filter when any of these filters is also sent: it is then checked here (and its `whenAbsent` parameters are sent).'),
  })
  .superRefine((s, ctx) => {
    if (s.param !== undefined) return;
    const stringValue = Object.entries(s.values ?? {}).find(([, v]) => typeof v === 'string');
    if (stringValue) ctx.addIssue({ code: 'custom', path: ['param'], message: `is needed: values.${stringValue[0]} is a string, sent as <param>=${stringValue[1]}` });
    else if (s.values === undefined) ctx.addIssue({ code: 'custom', path: ['param'], message: 'is needed: without a values map the caller\'s value is sent as <param>=<value>' });
    if (typeof s.whenAbsent === 'string') ctx.addIssue({ code: 'custom', path: ['param'], message: `is needed: whenAbsent is a string, sent as <param>=${s.whenAbsent}` });
  });
export type FilterSpec = z.infer<typeof filterSpec>;

const fixedParam = z.union([
  z.string(),
  z.strictObject({ value: z.string(), format: z.enum(['string', 'uuid']).default('string') }),
]);

/**
 * Page rules every paged style shares. `minPageSize`: the fewest items the vendor takes in one request (a
 * smaller one is a 400): a lazy read asks at least this many and keeps what it needs. `end`: how the vendor
 * marks its last page: `short`, a page with fewer items than asked (no call for the empty page after it);
 * `empty`, only an empty page. `response.hasMore: false` and the `total` reached end a walk either way.
 */
const pageRules = {
  minPageSize: count.optional(),
  end: z.enum(['short', 'empty']).optional(),
};

const paginationSchema = z.discriminatedUnion('style', [
  z.strictObject({
    style: z.literal('offset'),
    limitParam: z.string().min(1),
    offsetParam: z.string().min(1),
    maxPageSize: count,
    ...pageRules,
  }),
  z.strictObject({
    style: z.literal('page'),
    /** The page number's query parameter; omit when the path carries `{page}`. */
    pageParam: z.string().min(1).optional(),
    sizeParam: z.string().min(1).optional(),
    firstPage: z.coerce.number().int().min(0).default(1),
    maxPageSize: count,
    /** Page size the vendor uses when it takes no size parameter. */
    fixedPageSize: count.optional(),
    ...pageRules,
  }),
  z.strictObject({
    style: z.literal('cursor'),
    cursorParam: z.string().min(1),
    limitParam: z.string().min(1).optional(),
    maxPageSize: count,
    ...pageRules,
  }),
  z.strictObject({ style: z.literal('none') }),
]);
export type PaginationConfig = z.infer<typeof paginationSchema>;

const authSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('none') }),
  z.strictObject({ type: z.literal('bearer'), token: z.string() }),
  /** A custom header; not sent at all when `value` is empty (optional credentials). */
  z.strictObject({ type: z.literal('header'), name: z.string().min(1), value: z.string() }),
  z.strictObject({ type: z.literal('basic'), username: z.string(), password: z.string() }),
]);
export type AuthConfig = z.infer<typeof authSchema>;

const unifiedErrorCode = z.enum([
  'UPSTREAM_AUTH_FAILED', 'UPSTREAM_REJECTED', 'UPSTREAM_ERROR', 'UPSTREAM_INVALID_RESPONSE',
  'UPSTREAM_UNAVAILABLE', 'UPSTREAM_TIMEOUT', 'RATE_LIMITED',
]);

export const vendorSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, { message: 'lower-case letters, digits and dashes, starting with a letter' }),
  enabled: bool.default(true),
  /** Embedded simulator to start when `baseUrl` is empty (demo and tests). */
  simulator: z.string().optional(),
  baseUrl: z.union([z.literal(''), z.url({ protocol: /^https?$/ })]),
  path: z.string().startsWith('/'),
  timeoutMs: count.optional(),
  connections: count.optional(),
  /** Most items held when the vendor must be read whole (no paging or untrusted order). */
  maxItems: count.optional(),
  /** Overrides gateway.yaml's upstream.lazyRead: how far one request may read past its page when read lazily. */
  lazyRead: lazyReadSchema.optional(),
  /** Outbound budget for this vendor (e.g. 20 a minute): a token bucket shared by every request. */
  rateLimit: rateLimitSchema.optional(),
  /** Overrides gateway.yaml's upstream.retry for this vendor. */
  retry: retrySchema.optional(),
  /** Overrides gateway.yaml's upstream.breaker for this vendor. */
  breaker: breakerSchema.optional(),
  /** Overrides gateway.yaml's upstream.cache for this vendor. */
  cache: cacheSchema.optional(),
  /** Keep an incremental local copy and serve from it where the vendor can't order or filter for us. */
  mirror: mirrorSchema.optional(),
  /**
   * How to read one conversation by id (GET /conversations/{id}), where the vendor has such a request: its
   * path with `{id}` (the vendor's id, percent-encoded), where the item sits in the answer, and where its
   * messages sit when the detail carries them and the list does not. A 404 means "no such conversation".
   */
  detail: z
    .strictObject({
      path: z.string().startsWith('/').includes('{id}', { message: 'must contain {id}' }),
      item: pathSchema.default('$'),
      messages: z.strictObject({ each: pathSchema, fields: z.strictObject(messageFields).optional() }).optional(),
    })
    .optional(),
  auth: authSchema.default({ type: 'none' }),
  request: z.strictObject({
    query: z.record(z.string(), fixedParam).default({}),
    filters: z.partialRecord(z.enum(FILTER_NAMES as [string, ...string[]]), filterSpec).default({}),
    include: z.strictObject({ messages: z.strictObject({ query: z.record(z.string(), z.string()) }).optional() }).default({}),
    order: z
      .strictObject({
        param: z.string().min(1),
        fields: z.partialRecord(z.enum(ORDER_FIELDS), z.string().min(1)),
        dirParam: z.string().min(1),
        directions: z.strictObject({ asc: z.string(), desc: z.string() }).default({ asc: 'asc', desc: 'desc' }),
        /** Where the vendor puts items whose sort field is null. We need them last. */
        nulls: z.enum(['last']).default('last'),
      })
      .optional(),
    pagination: paginationSchema,
  }),
  response: z.strictObject({
    items: pathSchema,
    total: pathsSchema.optional(),
    nextCursor: pathsSchema.optional(),
    hasMore: pathsSchema.optional(),
    /** A 2xx body that is really an error, e.g. `{success: false}`. */
    errorWhen: z.strictObject({ path: pathSchema, equals: z.union([z.string(), z.number(), z.boolean(), z.null()]) }).optional(),
    fields: fieldsSchema,
  }),
  errors: z
    .strictObject({
      code: pathsSchema.optional(),
      message: pathsSchema.optional(),
      /** Seconds, read from the body; the Retry-After header is always read too. */
      retryAfter: pathsSchema.optional(),
      /** Vendor error code → unified code (checked before `statuses`). */
      codes: z.record(z.string(), unifiedErrorCode).default({}),
      /** HTTP status → unified code, over the built-in defaults (401/403 auth, 429 rate limit, 5xx…). */
      statuses: z.record(z.string().regex(/^\d{3}$/), unifiedErrorCode).default({}),
    })
    .default({ codes: {}, statuses: {} }),
});
export type VendorConfig = z.infer<typeof vendorSchema>;
export type VendorConfigInput = z.input<typeof vendorSchema>;
