/**
 * The zod contract of GET /conversations' answer: the Conversation, each vendor's report, the plan and the
 * list. They describe the responses in /openapi.json; the compile-time checks at the end keep them equal
 * to the types the code builds answers from.
 */
import { z } from '@hono/zod-openapi';
import { ErrorCodeSchema, VendorFailureSchema } from '../errors/problem-schema.js';
import type { Conversation, ConversationView, Message } from '../model/conversation.js';
import type { DetailResult } from './detail.js';
import { FILTER_NAMES } from '../model/query.js';
import type { Same } from '../openapi/same.js';
import type { ExplainedPlan, ListResult, SourceReport } from './list.js';

const instant = (description: string) =>
  z.string().nullable().openapi({ description: `${description}: ISO 8601 UTC with milliseconds, or null.`, format: 'date-time', example: '2024-05-01T12:30:00.000Z' });
const author = z.enum(['customer', 'agent', 'human_agent', 'system']).nullable().openapi({ example: 'customer' });

export const MessageSchema = z
  .object({
    id: z.string().nullable().openapi({ example: 'm-1' }),
    text: z.string().nullable().openapi({ example: 'Hi, I need a refund' }),
    author,
    createdAt: instant('When it was sent'),
  })
  .openapi('Message');

export const ConversationSchema = z
  .object({
    id: z.string().openapi({ description: "`<vendor>:<vendor's id>`; the tie-breaker of the order.", example: 'acme:c-1001' }),
    vendor: z.string().openapi({ example: 'acme' }),
    externalId: z.string().openapi({ description: "The vendor's own id.", example: 'c-1001' }),
    title: z.string().nullable().openapi({ example: 'Refund for order 4411' }),
    status: z.enum(['open', 'closed']).nullable().openapi({ example: 'open' }),
    channel: z.string().nullable().openapi({ example: 'whatsapp' }),
    createdAt: instant('Created'),
    updatedAt: instant('Last updated'),
    lastActivityAt: instant('Last activity'),
    closedAt: instant('Closed'),
    handledBy: z.enum(['ai', 'human']).nullable().openapi({ example: 'ai' }),
    agent: z.strictObject({ id: z.string().nullable(), name: z.string().nullable() }).nullable().openapi({ example: { id: 'agent-1', name: 'Ada' } }),
    contact: z
      .object({ name: z.string().nullable(), email: z.string().nullable(), phone: z.string().nullable() })
      .nullable()
      .openapi({ example: { name: 'Grace', email: 'grace@example.com', phone: null } }),
    messageCount: z.number().int().nullable().openapi({ example: 4 }),
    lastMessage: z
      .object({ text: z.string().nullable(), author, createdAt: instant('When it was sent') })
      .nullable()
      .openapi({ example: { text: 'Thanks!', author: 'customer', createdAt: '2024-05-01T12:30:00.000Z' } }),
    messages: z
      .array(MessageSchema)
      .nullable()
      .optional()
      .openapi({ description: "Present exactly when include=messages: every message, `[]` when the conversation has none, `null` when the vendor can't give messages (its API has none, or this item carries none)." }),
    // Any JSON value, spelled as every type: a schema with no `type` is valid OpenAPI, but Scalar's reference
    // page rejects it ("document validation errors").
    raw: z
      .unknown()
      .optional()
      .openapi({ type: ['object', 'array', 'string', 'number', 'boolean', 'null'], description: "With include=raw: the vendor's own item, as it sent it." }),
  })
  .openapi('Conversation', { description: 'One conversation, the same shape whichever vendor holds it.' });

/**
 * A conversation trimmed by `fields=`: `id` always, every other property only where selected (and, for
 * `messages` and `raw`, included). Every full Conversation is one too.
 */
export const ConversationFieldsSchema = ConversationSchema.partial()
  .required({ id: true })
  .openapi('ConversationFields', {
    description: 'A Conversation trimmed by `fields=`: `id` always, the other properties only where `fields` names them.',
  });

/** A response item: the whole Conversation, or (with `fields=`) the selected part of one. */
export const ConversationItemSchema = z.union([ConversationSchema, ConversationFieldsSchema]);

export const SourceReportSchema = z
  .object({
    vendor: z.string().openapi({ example: 'acme' }),
    status: z.enum(['ok', 'error', 'skipped']).openapi({ description: 'ok: answered; error: failed (see error); skipped: cannot honour the query (see reason).' }),
    mode: z.enum(['live', 'mirror']).openapi({ description: "live: read from the vendor for this page; mirror: read from the gateway's local copy of the vendor." }),
    syncedAt: z.string().nullable().optional().openapi({ format: 'date-time', description: 'mode=mirror: the instant as of which the copy is complete.' }),
    lagMs: z.number().int().nullable().optional().openapi({ description: 'mode=mirror: how long ago syncedAt was, in ms.', example: 12000 }),
    stale: z.literal(true).optional().openapi({ description: "mode=mirror: lagMs is over the vendor's mirror.maxLagMs; the copy is still served." }),
    total: z.number().int().nullable().openapi({ description: "This vendor's exact number of matches, or null when unknown.", example: 70 }),
    fetched: z.number().int().openapi({ description: 'Items received from the vendor for this page.', example: 11 }),
    calls: z.number().int().openapi({ description: 'Pages asked of the vendor.', example: 1 }),
    dropped: z.number().int().openapi({ description: 'Items that could not be mapped (no id, unreadable timestamp).', example: 0 }),
    latencyMs: z.number().int().openapi({ example: 12 }),
    retries: z.number().int().openapi({ description: 'Calls repeated after transient failures.', example: 0 }),
    reason: z.string().optional().openapi({ example: "status can't be evaluated for this vendor" }),
    error: VendorFailureSchema.optional(),
  })
  .openapi('SourceReport', { description: "One vendor's part in the answer." });

export const ExplainedPlanSchema = z
  .object({
    vendor: z.string().openapi({ example: 'acme' }),
    action: z.enum(['fetch', 'skip', 'empty']).openapi({ description: "fetch: call it; skip: it can't honour the query; empty: it can hold no match, so no call." }),
    reason: z.string().optional(),
    pushedFilters: z.array(z.string()).openapi({ description: 'Filters the vendor applies.', example: ['status'] }),
    localFilters: z.array(z.string()).openapi({ description: `Filters checked here (of ${FILTER_NAMES.join(', ')}).`, example: ['search'] }),
    order: z.enum(['pushed', 'natural', 'local', 'mirror']).openapi({
      description: "pushed: the vendor sorts, asked by the parameters sent; natural: the vendor's own order, sent no parameter; local: sorted here; mirror: by the mirror's index.",
    }),
    read: z.enum(['lazy', 'whole', 'mirror']).openapi({ description: "lazy: only as deep as the page needs; whole: everything, then sorted here (up to the vendor's maxItems); mirror: the gateway's local copy, by index." }),
    totalFromVendor: z.boolean(),
    params: z.array(z.string()).openapi({ description: 'Parameter names sent on every call (values are not shown).', example: ['status', 'orderBy'] }),
    filterParams: z.array(z.string()).openapi({
      description: "Which parameter carries which filter: the caller's value (`parameter ← filter=value`), or the filter's whenAbsent when its own parameters are not sent (`parameter ← filter (absent: value)`).",
      example: ['filter_resolved ← status=closed', 'channel ← channel (absent: any)'],
    }),
    mirror: z.string().optional().openapi({ description: 'Why a mirrored vendor is read live for this query (e.g. its mirror is still warming).' }),
  })
  .openapi('ExplainedPlan', { description: "With explain=true: one vendor's plan." });

export const MissedVendorSchema = z
  .object({
    vendor: z.string().openapi({ example: 'acme' }),
    code: ErrorCodeSchema, // its last failure's code
    since: z.number().int().openapi({ description: 'Offset of the first page that skipped its items.', example: 50 }),
    pages: z.number().int().openapi({ description: 'Pages of this walk that skipped its items.', example: 1 }),
  })
  .openapi('MissedVendor', { description: 'A vendor whose items a best-effort cursor walk skipped.' });

export const ConversationListSchema = z
  .object({
    object: z.literal('list'),
    data: z.array(ConversationItemSchema).openapi({ description: 'The page: whole Conversations, or with `fields=` each trimmed to the selected properties (`id` always kept).' }),
    limit: z.number().int().openapi({ example: 10 }),
    offset: z.number().int().openapi({ example: 0 }),
    total: z.number().int().nullable().openapi({ description: 'Exact size of the union over the included vendors, or null when it cannot be known exactly.', example: 137 }),
    hasMore: z.boolean(),
    nextCursor: z.string().nullable().openapi({ description: "Send it as cursor= for the next page; null on the last page. Stateless and signed (tampering is a 400 `INVALID_CURSOR`), but not encrypted: it is base64url JSON of the query and position, readable by whoever holds it, so don't put secrets in filters." }),
    partial: z.boolean().openapi({ description: 'true when a vendor failed on this page (its error is in sources[]) or this walk skipped a vendor\'s items on an earlier page (missed[]).' }),
    missed: z
      .array(MissedVendorSchema)
      .optional()
      .openapi({ description: "Best-effort walks (onVendorError=partial): every vendor whose items this walk skipped, on this page or an earlier one. Absent when nothing was skipped." }),
    sources: z.array(SourceReportSchema),
    plan: z.array(ExplainedPlanSchema).optional().openapi({ description: 'With explain=true: per vendor, pushed and local filters, order, lazy or whole read.' }),
  })
  .openapi('ConversationList', {
    description: 'One page of conversations from every included vendor, merged in one exact order.',
    example: {
      object: 'list',
      data: [
        {
          id: 'acme:c-1001',
          vendor: 'acme',
          externalId: 'c-1001',
          title: 'Refund for order 4411',
          status: 'open',
          channel: 'whatsapp',
          createdAt: '2024-05-01T09:00:00.000Z',
          updatedAt: '2024-05-01T12:30:00.000Z',
          lastActivityAt: '2024-05-01T12:30:00.000Z',
          closedAt: null,
          handledBy: 'ai',
          agent: { id: 'agent-1', name: 'Ada' },
          contact: { name: 'Grace', email: 'grace@example.com', phone: null },
          messageCount: 4,
          lastMessage: { text: 'Thanks!', author: 'customer', createdAt: '2024-05-01T12:30:00.000Z' },
        },
      ],
      limit: 1,
      offset: 0,
      total: 137,
      hasMore: true,
      nextCursor: 'eyJ2IjoxfQ.c2lnbmF0dXJl',
      partial: false,
      sources: [
        { vendor: 'acme', status: 'ok', mode: 'live', total: 70, fetched: 1, calls: 1, dropped: 0, latencyMs: 12, retries: 0 },
        { vendor: 'initech', status: 'skipped', mode: 'live', total: null, fetched: 0, calls: 0, dropped: 0, latencyMs: 0, retries: 0, reason: "status can't be evaluated for this vendor" },
      ],
    },
  });

export const DetailSourceSchema = z
  .object({
    vendor: z.string().openapi({ example: 'acme' }),
    mode: z.enum(['live', 'mirror']).openapi({ description: "live: read from the vendor's detail request now; mirror: read from the gateway's local copy." }),
    syncedAt: z.string().nullable().optional().openapi({ format: 'date-time', description: 'mode=mirror: the instant as of which the copy is complete.' }),
    lagMs: z.number().int().nullable().optional().openapi({ description: 'mode=mirror: how long ago syncedAt was, in ms.', example: 12000 }),
    calls: z.number().int().openapi({ description: 'Vendor calls made (0 from a mirror).', example: 1 }),
    latencyMs: z.number().int().openapi({ example: 12 }),
  })
  .openapi('DetailSource', { description: 'Where one conversation came from.' });

export const ConversationDetailSchema = z
  .object({
    object: z.literal('conversation'),
    data: ConversationItemSchema.openapi({ description: 'The conversation (trimmed with `fields=`).' }),
    source: DetailSourceSchema,
  })
  .openapi('ConversationDetail', {
    description: 'One conversation by its unified id.',
    example: {
      object: 'conversation',
      data: {
        id: 'acme:c-1001', vendor: 'acme', externalId: 'c-1001', title: 'Refund for order 4411', status: 'open', channel: 'whatsapp',
        createdAt: '2024-05-01T09:00:00.000Z', updatedAt: '2024-05-01T12:30:00.000Z', lastActivityAt: '2024-05-01T12:30:00.000Z', closedAt: null,
        handledBy: 'ai', agent: { id: 'agent-1', name: 'Ada' }, contact: { name: 'Grace', email: 'grace@example.com', phone: null }, messageCount: 4,
        lastMessage: { text: 'Thanks!', author: 'customer', createdAt: '2024-05-01T12:30:00.000Z' },
      },
      source: { vendor: 'acme', mode: 'live', calls: 1, latencyMs: 12 },
    },
  });

const _conversation: Same<z.infer<typeof ConversationSchema>, Conversation> = true;
const _item: Same<z.infer<typeof ConversationItemSchema>, ConversationView> = true;
const _detail: Same<z.infer<typeof ConversationDetailSchema>, Omit<DetailResult, 'data'> & { data: ConversationView }> = true;
const _message: Same<z.infer<typeof MessageSchema>, Message> = true;
const _source: Same<z.infer<typeof SourceReportSchema>, SourceReport> = true;
const _plan: Same<z.infer<typeof ExplainedPlanSchema>, ExplainedPlan> = true;
const _list: Same<z.infer<typeof ConversationListSchema>, ListResult> = true;
void [_conversation, _item, _detail, _message, _source, _plan, _list];
