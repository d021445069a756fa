/**
 * The reference the gateway is checked against: every included vendor's expected items, filtered with the
 * API's documented semantics, sorted in one list and sliced. Written independently of src/ on purpose.
 */
import type { CanonicalConversation } from '../../sim/canonical.js';
import type { SimulatorModule } from '../../sim/kit.js';
import type { Conversation } from '../../src/model/conversation.js';

export interface RefQuery {
  status?: string;
  channel?: string;
  agentId?: string;
  leadId?: string;
  visitorId?: string;
  userId?: string;
  search?: string;
  createdAfter?: string;
  createdBefore?: string;
  updatedAfter?: string;
  updatedBefore?: string;
  orderBy?: 'lastActivityAt' | 'createdAt' | 'updatedAt';
  orderDir?: 'asc' | 'desc';
}

export interface RefVendor {
  name: string;
  module: SimulatorModule;
  data: CanonicalConversation[];
  /** From the gateway's explain output: whether the vendor's own search decides (not re-checked). */
  vendorSearch: boolean;
}

const ms = (iso: string | null | undefined): number | null => (iso ? Date.parse(iso) : null);
const has = (hay: (string | null | undefined)[], term: string) => hay.filter(Boolean).join('\n').toLowerCase().includes(term.toLowerCase());

function matches(c: CanonicalConversation, e: Conversation, q: RefQuery, v: RefVendor): boolean {
  if (q.status !== undefined && e.status !== q.status) return false;
  if (q.channel !== undefined && e.channel !== q.channel) return false;
  if (q.agentId !== undefined && e.agent?.id !== q.agentId) return false;
  if (q.leadId !== undefined && c.leadId.toLowerCase() !== q.leadId.toLowerCase()) return false;
  if (q.visitorId !== undefined && c.visitorId.toLowerCase() !== q.visitorId.toLowerCase()) return false;
  if (q.userId !== undefined && c.userId.toLowerCase() !== q.userId.toLowerCase()) return false;
  if (q.search !== undefined) {
    // Searched here: title, contact, the last message and every message the vendor's item carries.
    const carried = v.module.expected(c, v.name, { messages: true }).messages ?? [];
    const ok = v.vendorSearch && v.module.searchText
      ? v.module.searchText(c).toLowerCase().includes(q.search.toLowerCase())
      : has([e.title, e.contact?.name, e.contact?.email, e.contact?.phone, e.lastMessage?.text, ...carried.map((m) => m.text)], q.search);
    if (!ok) return false;
  }
  const created = ms(e.createdAt);
  const updated = ms(e.updatedAt);
  if (q.createdAfter !== undefined && (created === null || created < Date.parse(q.createdAfter))) return false;
  if (q.createdBefore !== undefined && (created === null || created >= Date.parse(q.createdBefore))) return false;
  if (q.updatedAfter !== undefined && (updated === null || updated < Date.parse(q.updatedAfter))) return false;
  if (q.updatedBefore !== undefined && (updated === null || updated >= Date.parse(q.updatedBefore))) return false;
  return true;
}

export function referenceList(vendors: RefVendor[], q: RefQuery, opts: { messages?: boolean } = {}): Conversation[] {
  const all: Conversation[] = [];
  for (const v of vendors) {
    for (const c of v.data) {
      const e = v.module.expected(c, v.name, { messages: opts.messages ?? false });
      if (matches(c, e, q, v)) all.push(e);
    }
  }
  const field = q.orderBy ?? 'lastActivityAt';
  const desc = (q.orderDir ?? 'desc') === 'desc';
  return all.sort((a, b) => {
    const ta = ms(a[field]);
    const tb = ms(b[field]);
    if (ta !== tb) {
      if (ta === null) return 1;
      if (tb === null) return -1;
      return desc ? tb - ta : ta - tb;
    }
    if (a.id === b.id) return 0;
    const up = a.id < b.id ? -1 : 1;
    return desc ? -up : up;
  });
}

export function toQueryString(q: Record<string, string | number | boolean | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined) p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}
