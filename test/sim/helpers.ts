/** Real HTTP against a simulator, and a builder for hand-made canonical records. */
import { request } from 'undici';
import type { CanonicalConversation } from '../../sim/canonical.js';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** Vendor bodies are loosely shaped JSON; tests assert on them field by field. */
  json(): any;
}

/** GET `path` on `base`; undici's `request` sends exactly the headers given (no Origin, unlike fetch in some modes). */
export async function get(
  base: string,
  path: string,
  query: Record<string, string> = {},
  headers: Record<string, string> = {},
): Promise<Answer> {
  const url = new URL(path, base);
  for (const [k, v] of Object.entries(query)) url.searchParams.append(k, v);
  const res = await request(url, { method: 'GET', headers });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) };
}

let n = 0;
/** A canonical conversation with sensible defaults; override what the test is about. */
export function conv(over: Partial<CanonicalConversation> = {}): CanonicalConversation {
  n++;
  const t = Date.UTC(2024, 0, 1) + n * 60_000;
  return {
    id: `c-${n}`,
    title: `Conversation ${n}`,
    status: 'open',
    channel: 'website',
    createdAt: t,
    updatedAt: t + 1000,
    lastActivityAt: t + 1000,
    closedAt: null,
    handledBy: 'ai',
    agent: { id: 'agent-1', name: 'Agent One' },
    contact: { name: 'Ana Souza', email: `ana${n}@example.com`, phone: `+5511900000${String(n).padStart(3, '0')}` },
    leadId: '11111111-1111-4111-8111-111111111111',
    visitorId: '22222222-2222-4222-8222-222222222222',
    userId: '33333333-3333-4333-8333-333333333333',
    messages: [
      { id: `m-${n}-0`, text: 'Where is my order?', author: 'customer', createdAt: t },
      { id: `m-${n}-1`, text: 'Let me check that for you', author: 'agent', createdAt: t + 1000 },
    ],
    ...over,
  };
}
