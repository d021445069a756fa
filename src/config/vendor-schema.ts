/**
 * The vendor config language: everything Switchboard knows about a vendor is said here, in YAML,
 * and compiled once by src/dialect. Objects are strict so a typo is an error, not a silent default.
 * Every key carries a `.describe()`: `switchboard schema` writes it into config/vendor.schema.json, so
 * editors show it on hover; docs/CONFIG.md is the long form with examples.
 */
import { z } from 'zod';
import { FILTER_NAMES } from '../model/query.js';
import { bool, breakerSchema, cacheSchema, count, lazyReadSchema, rateLimitSchema, retrySchema } from './gateway-schema.js';
import { mirrorSchema } from './mirror-schema.js';
import { orderSchema } from './order-schema.js';


/** A JSON path into a vendor document: `a.b[0]`, `a[-1]` (last), `a[*].b` (every), `$` (the root). */
export const pathSchema = z.string().min(1).regex(/^(\$|[^.\s[\]]+|\[-?\d+\]|\[\*\])(\.[^.\s[\]]+|\[-?\d+\]|\[\*\])*$/, {
  message: 'a path like a.b[0].c, a[-1], a[*].b or $',
});
/** One path, or fallbacks tried in order until one yields a value. */
export const pathsSchema = z.union([pathSchema, z.array(pathSchema).min(1)]);

export const TIME_FORMATS = ['auto', 'iso', 'unix', 'unixMs'] as const;

const WHEN_INCLUDE = 'Read only when the caller asked for this include (include=messages or include=raw); null otherwise. E.g. a count that is exact only with every message.';

const valueSpecObject = z.strictObject({
  path: pathsSchema.optional().describe('Where the value sits in the item: a path, or fallback paths tried in order until one yields a value. Needed unless `const` is given.'),
  const: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional().describe('The same value for every item, no path read (e.g. `{const: website}` for a channel). Checked at load against the field.'),
  map: z.record(z.string(), z.union([z.string(), z.null()])).optional().describe("Vendor value (as a string) → unified value; null means none. A value not listed is kept only if the field could take it as it is (a unified value such as a status, or one of the map's own targets); otherwise `default`, or null."),
  default: z.union([z.string(), z.number(), z.null()]).optional().describe('The unified value when the path yields nothing or an unreadable value, or the map has no entry for it.'),
  time: z.enum(TIME_FORMATS).optional().describe('How a timestamp is written: auto (ISO text, or a number of seconds or milliseconds told apart by size), iso, unix (seconds) or unixMs. Default: auto.'),
  join: z.string().optional().describe('Join an array of strings with this separator, e.g. the texts of `parts[*].text` with a newline.'),
  count: z.boolean().optional().describe('The value is the length of the array at `path` (e.g. a message count from the messages array).'),
  whenInclude: z.enum(['messages', 'raw']).optional().describe(WHEN_INCLUDE),
});
export const valueSpecSchema = z.union([pathsSchema, valueSpecObject]);
export type ValueSpec = z.infer<typeof valueSpecSchema>;

const objectSpec = <S extends z.ZodRawShape>(fields: S) =>
  z.strictObject({
    from: pathSchema.optional().describe('Where the object sits in the item; its field paths are relative to it. Omit for the item itself. Nothing there: the object is null.'),
    fields: z.strictObject(fields).describe("The object's fields, each a value spec read from `from`. The object is null when every one is null."),
    whenInclude: z.enum(['messages', 'raw']).optional().describe(WHEN_INCLUDE),
  });

const messageFields = {
  id: valueSpecSchema.optional().describe("The message's id."),
  text: valueSpecSchema.optional().describe("The message's text."),
  author: valueSpecSchema.optional().describe("Who wrote it: customer, agent, human_agent or system (map the vendor's roles onto these)."),
  createdAt: valueSpecSchema.optional().describe('When it was sent: a timestamp (see `time`).'),
};

export const fieldsSchema = z.strictObject({
  externalId: valueSpecSchema.describe("The vendor's id of the conversation (required). The gateway's id is <vendor>:<externalId>; detail.path gets it as {id}."),
  title: valueSpecSchema.optional().describe("The conversation's title or subject."),
  status: valueSpecSchema.optional().describe("open or closed (map the vendor's states onto them). Without it a status filter can't be checked and skips the vendor."),
  channel: valueSpecSchema.optional().describe('Where the conversation happens: free text such as website, whatsapp or email.'),
  createdAt: valueSpecSchema.optional().describe('When the conversation was created: a timestamp (see `time`). Needed to order or filter by creation.'),
  updatedAt: valueSpecSchema.optional().describe('When the conversation last changed: a timestamp. Needed to order or filter by update.'),
  lastActivityAt: valueSpecSchema.optional().describe('When its last message or event happened: a timestamp. The default order of GET /conversations.'),
  closedAt: valueSpecSchema.optional().describe('When the conversation was closed: a timestamp, null while open.'),
  handledBy: valueSpecSchema.optional().describe("Who handles the conversation now: ai or human (map the vendor's flag or state onto them)."),
  agent: objectSpec({ id: valueSpecSchema.optional().describe("The agent's id (what the agentId filter matches)."), name: valueSpecSchema.optional().describe("The agent's name.") }).optional().describe('The agent (human or AI) assigned: {from, fields: {id, name}}.'),
  contact: objectSpec({ name: valueSpecSchema.optional().describe("The contact's name."), email: valueSpecSchema.optional().describe("The contact's email address."), phone: valueSpecSchema.optional().describe("The contact's phone number.") }).optional().describe('The customer: {from, fields: {name, email, phone}}.'),
  messageCount: valueSpecSchema.optional().describe('How many messages the conversation has: a number, or `{path, count: true}` to count an array.'),
  lastMessage: objectSpec({ text: messageFields.text, author: messageFields.author, createdAt: messageFields.createdAt }).optional().describe('The last message, shown in every list item: {from, fields: {text, author, createdAt}}.'),
  messages: z
    .strictObject({
      each: pathSchema.describe('The array of messages in the item; each element is read with `fields`.'),
      fields: z.strictObject(messageFields).describe('How one message is read, each a value spec relative to the element.'),
      whenInclude: z.enum(['messages', 'raw']).optional().describe(WHEN_INCLUDE),
    })
    .optional()
    .describe('Every message of the conversation, served with include=messages: {each, fields: {id, text, author, createdAt}}.'),
  leadId: valueSpecSchema.optional().describe('The lead the conversation belongs to (what the leadId filter matches).'),
  visitorId: valueSpecSchema.optional().describe('The website visitor (what the visitorId filter matches).'),
  userId: valueSpecSchema.optional().describe('The signed-in user (what the userId filter matches).'),
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
  z.strictObject({
    value: z.string().describe('The value sent on every call.'),
    format: z.enum(['string', 'uuid']).default('string').describe('string: sent as is; uuid: must be a UUID, checked at load. Default: string.'),
  }),
]);

// Page rules every paged style shares (see `minPageSize` and `end` below).
const pageRules = {
  minPageSize: count.optional().describe('The fewest items the vendor takes in one request (a smaller one is a 400): every request, a lazy read\'s first included, asks at least this many and keeps what the page needs. More than the page size (maxPageSize, or fixedPageSize) is a load error.'),
  end: z.enum(['short', 'empty']).optional().describe('How the vendor marks its last page. short: a page with fewer items than asked; empty: only an empty page. Default: short for offset, empty for page and cursor (short with cursors needs limitParam). hasMore false and the total reached end a walk either way.'),
};

const MAX_PAGE_SIZE = 'The most items the vendor returns in one page: the size asked for (the larger of the page the caller wants and minPageSize, at most this).';

const paginationSchema = z.discriminatedUnion('style', [
  z.strictObject({
    style: z.literal('offset').describe('Limit and offset parameters: item positions.'),
    limitParam: z.string().min(1).describe('The query parameter for the page size.'),
    offsetParam: z.string().min(1).describe('The query parameter for the position of the first item (0-based).'),
    maxPageSize: count.describe(MAX_PAGE_SIZE),
    ...pageRules,
  }),
  z.strictObject({
    style: z.literal('page').describe('Page numbers, in a query parameter or in the path as {page}.'),
    pageParam: z.string().min(1).optional().describe('The query parameter for the page number; omit when `path` carries `{page}`.'),
    sizeParam: z.string().min(1).optional().describe('The query parameter for the page size; omit when the vendor takes none (then set fixedPageSize).'),
    firstPage: z.coerce.number().int().min(0).default(1).describe("The first page's number: 1 (default) or 0."),
    maxPageSize: count.describe(MAX_PAGE_SIZE),
    fixedPageSize: count.optional().describe('The size of every page when the vendor takes no size parameter: page numbers become positions with it, so it must be the real size. It replaces maxPageSize as the size asked for and assumed.'),
    ...pageRules,
  }),
  z.strictObject({
    style: z.literal('cursor').describe('An opaque cursor from each answer (response.nextCursor) asks for the next page.'),
    cursorParam: z.string().min(1).describe('The query parameter that carries the cursor of the previous answer.'),
    limitParam: z.string().min(1).optional().describe('The query parameter for the page size; omit when the vendor decides it.'),
    maxPageSize: count.describe(MAX_PAGE_SIZE),
    ...pageRules,
  }),
  z.strictObject({ style: z.literal('none').describe('No paging: one response holds the whole list (read whole, up to maxItems).') }),
]).describe('How pages are asked for: style offset, page, cursor or none, with their parameters.');
export type PaginationConfig = z.infer<typeof paginationSchema>;

const authSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('none').describe('No credentials.') }),
  z.strictObject({
    type: z.literal('bearer').describe('Authorization: Bearer <token>.'),
    token: z.string().describe('The token, usually a ${VAR} reference to a secret.'),
  }),
  z.strictObject({
    type: z.literal('header').describe('A custom header; not sent at all when `value` is empty (optional credentials).'),
    name: z.string().min(1).describe('The header name, e.g. x-api-key.'),
    value: z.string().describe('The header value, usually a ${VAR} reference; empty: the header is not sent.'),
  }),
  z.strictObject({
    type: z.literal('basic').describe('HTTP Basic: Authorization: Basic base64(username:password).'),
    username: z.string().describe('The user name.'),
    password: z.string().describe('The password, usually a ${VAR} reference.'),
  }),
]);
export type AuthConfig = z.infer<typeof authSchema>;

const unifiedErrorCode = z.enum([
  'UPSTREAM_AUTH_FAILED', 'UPSTREAM_REJECTED', 'UPSTREAM_ERROR', 'UPSTREAM_INVALID_RESPONSE',
  'UPSTREAM_UNAVAILABLE', 'UPSTREAM_TIMEOUT', 'RATE_LIMITED',
]);

export const vendorSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, { message: 'lower-case letters, digits and dashes, starting with a letter' }).describe('The vendor\'s name: equal to the file name; what appears in ids (<name>:<externalId>), vendor= and sources[]. Lower-case letters, digits and dashes.'),
  enabled: bool.default(true).describe('false: the vendor is loaded and checked but not served (GET /vendors says it is disabled). Default: true.'),
  simulator: z.string().optional().describe('The embedded simulator to start when `baseUrl` is empty (demo and tests; never in production).'),
  baseUrl: z.union([z.literal(''), z.url({ protocol: /^https?$/ })]).describe('The vendor\'s origin, http(s), usually ${VENDOR_BASE_URL}. Empty: served by `simulator`.'),
  path: z.string().startsWith('/').describe('The list request\'s path under baseUrl; may contain {page} for page numbers in the path.'),
  timeoutMs: count.optional().describe('Deadline of one call to this vendor (connect, headers, body). Default: gateway.yaml upstream.timeoutMs.'),
  connections: count.optional().describe('Connections kept to this vendor. Default: gateway.yaml upstream.connections.'),
  maxItems: count.optional().describe('Most items held when the vendor must be read whole (no paging or no order we trust). Default: gateway.yaml upstream.maxItems.'),
  lazyRead: lazyReadSchema.optional().describe("How far one request may read past its page when the vendor is read lazily. Overrides gateway.yaml's upstream.lazyRead."),
  rateLimit: rateLimitSchema.optional().describe('Outbound budget for this vendor (e.g. 20 a minute): a token bucket shared by every request and the mirror sync. Default: none.'),
  retry: retrySchema.optional().describe("Retries of failed GETs for this vendor. Overrides gateway.yaml's upstream.retry."),
  breaker: breakerSchema.optional().describe("This vendor's circuit breaker. Overrides gateway.yaml's upstream.breaker."),
  cache: cacheSchema.optional().describe("This vendor's response cache. Overrides gateway.yaml's upstream.cache."),
  mirror: mirrorSchema.optional().describe("Keep an incremental local copy and serve from it where the vendor can't order or filter for us. `mirror: {}` takes every default."),
  /** A 404 on the detail path means "no such conversation". */
  detail: z
    .strictObject({
      path: z.string().startsWith('/').includes('{id}', { message: 'must contain {id}' }).describe("The detail request's path, with {id} (the vendor's id, percent-encoded). Fixed query parameters are sent too."),
      item: pathSchema.default('$').describe('Where the conversation sits in the answer (default $, the body); it is read with response.fields.'),
      messages: z
        .strictObject({
          each: pathSchema.describe('The array of messages in the detail answer (relative to the body).'),
          fields: z.strictObject(messageFields).optional().describe('How one message is read; default: response.fields.messages.fields.'),
        })
        .optional()
        .describe('Where its messages sit, when the detail answer carries them and the list does not.'),
    })
    .optional()
    .describe('How to read one conversation by id (GET /conversations/{id}), where the vendor has such a request. Without it, only a mirror can answer by id.'),
  auth: authSchema.default({ type: 'none' }).describe('How calls authenticate: none (default), bearer {token}, header {name, value} or basic {username, password}.'),
  request: z.strictObject({
    query: z.record(z.string(), fixedParam).default({}).describe('Fixed query parameters sent on every call: name → value, or {value, format}. One a filter, the order, paging or an include also sets is a load error.'),
    filters: z
      .partialRecord(z.enum(FILTER_NAMES as [string, ...string[]]), filterSpec)
      .default({})
      .describe('Unified filter → how the vendor takes it. A filter not listed is checked here on each item, or skips the vendor when no field maps it.'),
    include: z
      .strictObject({
        messages: z
          .strictObject({ query: z.record(z.string(), z.string()).describe('Parameter → value added to the list request, e.g. {fullConversation: "true"}.') })
          .optional()
          .describe('Query parameters that make the vendor send every message; added when the caller asks include=messages (and by a mirror sync).'),
      })
      .default({})
      .describe('Extra query parameters sent only for an include the caller asks for.'),
    order: orderSchema.optional(),
    pagination: paginationSchema,
  }).describe('How the list request is built: fixed parameters, filters, includes, order and paging.'),
  response: z.strictObject({
    items: pathSchema.describe('Where the array of conversations sits in the answer ($: the body is the array).'),
    total: pathsSchema.optional().describe('The exact number of matches, when the vendor says it: our `total`, and it ends a walk once reached.'),
    nextCursor: pathsSchema.optional().describe('The cursor of the next page (cursor paging); missing or null ends the walk.'),
    hasMore: pathsSchema.optional().describe('A boolean saying whether another page follows: false ends the walk without asking for it; a missing or non-boolean value says nothing.'),
    errorWhen: z
      .strictObject({
        path: pathSchema.describe('Where the flag sits in the body.'),
        equals: z.union([z.string(), z.number(), z.boolean(), z.null()]).describe('The value (compared exactly) that makes the answer an error.'),
      })
      .optional()
      .describe('A 2xx body that is really an error, e.g. {success: false}: read with `errors` like a non-2xx one. The list is then parsed whole, not streamed.'),
    fields: fieldsSchema.describe('How each item becomes a unified conversation: field → value spec. Only externalId is required; a field left out is null.'),
  }).describe('Where things sit in the list answer.'),
  errors: z
    .strictObject({
      code: pathsSchema.optional().describe("Where the vendor's error code sits in an error body (matched against `codes`)."),
      message: pathsSchema.optional().describe("Where the vendor's error message sits (passed on in the problem's detail)."),
      retryAfter: pathsSchema.optional().describe('Seconds to wait, read from the body; the Retry-After header is always read too.'),
      codes: z.record(z.string(), unifiedErrorCode).default({}).describe('Vendor error code → unified code, checked before `statuses`.'),
      statuses: z.record(z.string().regex(/^\d{3}$/), unifiedErrorCode).default({}).describe('HTTP status → unified code, over the built-in defaults (401/403 auth, 429 rate limit, 5xx error…).'),
    })
    .default({ codes: {}, statuses: {} })
    .describe("How the vendor's errors are read and mapped to unified codes."),
});
export type VendorConfig = z.infer<typeof vendorSchema>;
export type VendorConfigInput = z.input<typeof vendorSchema>;
