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

/**
 * A conversation as it travels through the pipeline: the public shape plus what ordering and local
 * filtering need, computed once when the item is mapped (never re-parsed per comparison).
 */
export interface Item {
  conversation: Conversation;
  /** Epoch milliseconds per orderable field; null when the vendor gave none. */
  times: { createdAt: number | null; updatedAt: number | null; lastActivityAt: number | null };
  /** Scope keys that are filterable but not part of the public shape (lead, visitor, user). */
  keys: { leadId: string | null; visitorId: string | null; userId: string | null };
}
