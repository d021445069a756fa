/** Small helpers the vendor simulators share. Vendor dialects stay in their own files. */
import type { IncomingHttpHeaders } from 'node:http';
import type { Conversation, MessageAuthor } from '../src/model/conversation.js';
import type { CanonicalConversation, CanonicalMessage } from './canonical.js';
import { iso } from './kit.js';

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(headers: IncomingHttpHeaders): string | null {
  const m = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '');
  return m?.[1]?.trim() ?? null;
}

/**
 * FNV-1a over a string. Per-row quirks (extra fields, optional fields) are keyed on the record's id, so a
 * test oracle that sees only the record can tell which rows carry them, whatever page they land on.
 */
export function stableHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** A query parameter, with an empty value treated as absent (as the vendors' frameworks do). */
export function param(q: URLSearchParams, name: string): string | null {
  const v = q.get(name);
  return v === null || v === '' ? null : v;
}

/**
 * The unified conversation a canonical one becomes through a list that carries every field as it is: the
 * last message's author goes through the vendor's own spelling and back (`author`), and messages asked for
 * are null (a list that shows only the last message can't give them). Each simulator's `expected` overrides
 * what its own list says otherwise.
 */
export function listedConversation(
  c: CanonicalConversation,
  vendor: string,
  opts: { messages: boolean },
  author: (a: CanonicalMessage['author']) => MessageAuthor,
): Conversation {
  const last = c.messages.at(-1);
  return {
    id: `${vendor}:${c.id}`,
    vendor,
    externalId: c.id,
    title: c.title,
    status: c.status,
    channel: c.channel,
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
    lastActivityAt: iso(c.lastActivityAt),
    closedAt: iso(c.closedAt),
    handledBy: c.handledBy,
    agent: { id: c.agent.id, name: c.agent.name },
    contact: { name: c.contact.name, email: c.contact.email, phone: c.contact.phone },
    messageCount: c.messages.length,
    lastMessage: last ? { text: last.text, author: author(last.author), createdAt: iso(last.createdAt) } : null,
    ...(opts.messages ? { messages: null } : {}),
  };
}
