/** The unified conversation every vendor's item is mapped to. Timestamps are ISO 8601 UTC with milliseconds. */
export type ConversationStatus = 'open' | 'closed';
export type HandledBy = 'ai' | 'human';
export type MessageAuthor = 'customer' | 'agent' | 'human_agent' | 'system';

export interface Message {
  id: string | null;
  text: string | null;
  author: MessageAuthor | null;
  createdAt: string | null;
}

export interface Conversation {
  id: string;
  vendor: string;
  externalId: string;
  title: string | null;
  status: ConversationStatus | null;
  channel: string | null;
  createdAt: string | null;
  updatedAt: string | null;
  lastActivityAt: string | null;
  closedAt: string | null;
  handledBy: HandledBy | null;
  agent: { id: string | null; name: string | null } | null;
  contact: { name: string | null; email: string | null; phone: string | null } | null;
  messageCount: number | null;
  lastMessage: { text: string | null; author: MessageAuthor | null; createdAt: string | null } | null;
  messages?: Message[] | null;
  raw?: unknown;
}

/** Every property of a Conversation, in the order it is shown: what `fields=` may name. */
export const CONVERSATION_FIELDS = [
  'id', 'vendor', 'externalId', 'title', 'status', 'channel', 'createdAt', 'updatedAt', 'lastActivityAt', 'closedAt',
  'handledBy', 'agent', 'contact', 'messageCount', 'lastMessage', 'messages', 'raw',
] as const satisfies readonly (keyof Conversation)[];
export type ConversationField = (typeof CONVERSATION_FIELDS)[number];
// Every key listed, none invented: a new Conversation property must be selectable.
const _everyField: [keyof Conversation] extends [ConversationField] ? true : false = true;
void _everyField;

/** A conversation trimmed by `fields=`: `id` always, the rest only where selected. */
export type ConversationView = Conversation | (Partial<Conversation> & Pick<Conversation, 'id'>);

/**
 * Keeps only the selected properties (and `id`, always: it is the key of the order and of
 * GET /conversations/{id}). `messages` and `raw` still need their include: a property the item lacks stays absent.
 */
export function selectFields(c: ConversationView, fields: readonly ConversationField[] | undefined): ConversationView {
  if (!fields) return c;
  const out: Partial<Conversation> & Pick<Conversation, 'id'> = { id: c.id };
  const src = c as unknown as Record<string, unknown>;
  const dst = out as unknown as Record<string, unknown>;
  for (const f of fields) if (f in src) dst[f] = src[f];
  return out;
}

/**
 * A conversation as it travels through the pipeline: its id and instants (all that ordering needs, read
 * when the item arrives) and the public shape, built only when something asks for it — a page holds a
 * few items, while a vendor read whole may send thousands.
 */
export interface Item {
  /** `<vendor>:<vendor's id>`, the tie-breaker of the total order. */
  readonly id: string;
  /** Epoch milliseconds per orderable field; null when the vendor gave none. */
  readonly times: { createdAt: number | null; updatedAt: number | null; lastActivityAt: number | null };
  /** The public shape (built on first access, then kept). */
  readonly conversation: Conversation;
  /** Scope keys that are filterable but not part of the public shape (lead, visitor, user). */
  readonly keys: { leadId: string | null; visitorId: string | null; userId: string | null };
  /** What a local `search` looks in, lower-cased (see searchableText). */
  readonly searchText: string;
}

/**
 * What `search` looks in where we check it ourselves: title, contact, the last message and every message the
 * vendor's item carries, whether or not the caller asked for messages. Lower-cased; the mirror stores the
 * same text, so a search answers alike live and from a mirror.
 */
export function searchableText(c: Conversation, messages: readonly Message[] | null | undefined): string {
  const parts = [c.title, c.contact?.name, c.contact?.email, c.contact?.phone, c.lastMessage?.text];
  if (messages) for (const m of messages) parts.push(m.text);
  return parts.filter(Boolean).join('\n').toLowerCase();
}
