/**
 * Between a vendor item and a mirror row: what the sync stores of a conversation (its keys, its filterable
 * fields, its search text and the conversation itself, in the two shapes a request can ask for), and the
 * Item a page reads back. Pure.
 */
import { createHash } from 'node:crypto';
import type { CompiledVendor } from '../dialect/vendor.js';
import { searchableText, type Conversation, type Item } from '../model/conversation.js';
import type { RowInput, RowOutput } from './store/mirror-store.js';

const PLAIN = { messages: false, raw: false } as const;
const FULL = { messages: true, raw: false } as const;

/** The row for one vendor item, or why it can't be mapped (it is dropped, as a live read drops it). */
export function toRow(vendor: CompiledVendor, raw: unknown, keepRaw: boolean): RowInput | { drop: string } {
  const plain = vendor.mapItem(raw, PLAIN);
  if ('drop' in plain) return plain;
  const full = vendor.mapItem(raw, FULL);
  if ('drop' in full) return full;
  const c = plain.conversation;
  const doc = JSON.stringify(c);
  // What include=messages adds (the messages) or changes (fields read only with that include).
  const extra: Record<string, unknown> = {};
  const fc = full.conversation as unknown as Record<string, unknown>;
  const pc = c as unknown as Record<string, unknown>;
  for (const k of Object.keys(fc)) {
    if (!(k in pc) || JSON.stringify(fc[k]) !== JSON.stringify(pc[k])) extra[k] = fc[k];
  }
  const extraJson = Object.keys(extra).length > 0 ? JSON.stringify(extra) : null;
  const rawJson = keepRaw ? JSON.stringify(raw) : null;
  const keys = plain.keys;
  const lower = (s: string | null) => (s === null ? null : s.toLowerCase());
  const hash = createHash('sha1')
    .update(doc)
    .update('\u0000')
    .update(extraJson ?? '')
    .update('\u0000')
    .update(rawJson ?? '')
    .update(`\u0000${keys.leadId}\u0000${keys.visitorId}\u0000${keys.userId}`)
    .digest('base64url');
  return {
    id: plain.id,
    times: plain.times,
    status: c.status,
    channel: c.channel,
    agentId: c.agent?.id ?? null,
    leadId: lower(keys.leadId),
    visitorId: lower(keys.visitorId),
    userId: lower(keys.userId),
    search: searchableText(c, full.conversation.messages),
    doc,
    extra: extraJson,
    raw: rawJson,
    hash,
  };
}

/** A stored conversation as the merge sees it; its public shape is parsed only when the page shows it. */
export class MirrorItem implements Item {
  private shape: Conversation | undefined;
  readonly times: Item['times'];
  readonly keys: Item['keys'];
  constructor(
    private readonly row: RowOutput,
    private readonly include: { messages: boolean; raw: boolean },
  ) {
    this.times = { createdAt: row.cr, updatedAt: row.up, lastActivityAt: row.la };
    this.keys = { leadId: row.leadId, visitorId: row.visitorId, userId: row.userId };
  }
  get id(): string {
    return this.row.id;
  }
  get conversation(): Conversation {
    if (this.shape) return this.shape;
    const c = JSON.parse(this.row.doc) as Conversation;
    if (this.include.messages && this.row.extra !== null) Object.assign(c, JSON.parse(this.row.extra));
    if (this.include.raw) c.raw = this.row.raw === null ? null : JSON.parse(this.row.raw);
    return (this.shape = c);
  }
  /** Search runs in the store (its `search` column); this is the same text, for completeness. */
  get searchText(): string {
    const messages = this.row.extra === null ? null : (JSON.parse(this.row.extra) as Partial<Conversation>).messages;
    return searchableText(JSON.parse(this.row.doc) as Conversation, messages ?? this.conversation.messages);
  }
}
