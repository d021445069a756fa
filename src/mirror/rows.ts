/**
 * Between a vendor item and a mirror row: what the sync stores of a conversation (its keys, its filterable
 * fields, its search text and the conversation itself, in the two shapes a request can ask for), and the
 * Item a page reads back. Pure.
 */
import { createHash } from 'node:crypto';
import type { CompiledVendor } from '../dialect/vendor.js';
import { searchableText, type Conversation, type Item } from '../model/conversation.js';
import type { RowInput, RowKey, RowShape } from './store/mirror-store.js';

const PLAIN = { messages: false, raw: false } as const;
const FULL = { messages: true, raw: false } as const;

/**
 * The row for one vendor item, or why it can't be mapped (it is dropped, as a live read drops it). Only
 * the id, the instants and a hash of the item are computed here; the rest (both shapes, the search text) on
 * first use, which the store makes only for new or changed conversations: a full read over an unchanged
 * vendor maps next to nothing.
 */
export function toRow(vendor: CompiledVendor, raw: unknown, keepRaw: boolean): RowInput | { drop: string } {
  const plain = vendor.mapItem(raw, PLAIN);
  if ('drop' in plain) return plain;
  const rawJson = JSON.stringify(raw);
  // The mapping is fixed for a mirror (its identity includes it): the same item makes the same row.
  const hash = createHash('sha1').update(rawJson).digest('base64url');
  return new PendingRow(vendor, raw, plain, hash, keepRaw ? rawJson : null);
}

class PendingRow implements RowInput {
  private shaped: Omit<RowInput, 'id' | 'times' | 'hash' | 'raw'> | undefined;
  readonly id: string;
  readonly times: RowInput['times'];
  constructor(
    private readonly vendor: CompiledVendor,
    private readonly item: unknown,
    private readonly plain: Item,
    readonly hash: string,
    readonly raw: string | null,
  ) {
    this.id = plain.id;
    this.times = plain.times;
  }

  private shape() {
    if (this.shaped) return this.shaped;
    const full = this.vendor.mapItem(this.item, FULL);
    const c = this.plain.conversation;
    const fc = ('drop' in full ? c : full.conversation) as unknown as Record<string, unknown>;
    const pc = c as unknown as Record<string, unknown>;
    // What include=messages adds (the messages) or changes (fields read only with that include).
    const extra: Record<string, unknown> = {};
    for (const k of Object.keys(fc)) {
      const a = fc[k];
      const b = pc[k];
      if (a === b && k in pc) continue;
      if (!(k in pc) || typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || JSON.stringify(a) !== JSON.stringify(b)) extra[k] = a;
    }
    const keys = this.plain.keys;
    const lower = (s: string | null) => (s === null ? null : s.toLowerCase());
    return (this.shaped = {
      status: c.status,
      channel: c.channel,
      agentId: c.agent?.id ?? null,
      leadId: lower(keys.leadId),
      visitorId: lower(keys.visitorId),
      userId: lower(keys.userId),
      search: searchableText(c, (fc as unknown as Conversation).messages),
      doc: JSON.stringify(c),
      extra: Object.keys(extra).length > 0 ? JSON.stringify(extra) : null,
    });
  }
  get status() { return this.shape().status; }
  get channel() { return this.shape().channel; }
  get agentId() { return this.shape().agentId; }
  get leadId() { return this.shape().leadId; }
  get visitorId() { return this.shape().visitorId; }
  get userId() { return this.shape().userId; }
  get search() { return this.shape().search; }
  get doc() { return this.shape().doc; }
  get extra() { return this.shape().extra; }
}

/**
 * A stored conversation as the merge sees it: its id and instants from the scan. Its shape is read from the
 * store only for the items a page shows (`fill`), and parsed when asked for.
 */
export class MirrorItem implements Item {
  private stored: RowShape | undefined;
  private shape: Conversation | undefined;
  readonly times: Item['times'];
  readonly keys: Item['keys'];
  constructor(
    private readonly row: RowKey,
    private readonly include: { messages: boolean; raw: boolean },
  ) {
    this.times = { createdAt: row.cr, updatedAt: row.up, lastActivityAt: row.la };
    this.keys = { leadId: row.leadId, visitorId: row.visitorId, userId: row.userId };
  }
  get id(): string {
    return this.row.id;
  }
  get filled(): boolean {
    return this.stored !== undefined;
  }
  fill(stored: RowShape): void {
    this.stored = stored;
  }
  get conversation(): Conversation {
    if (this.shape) return this.shape;
    const s = this.stored;
    if (!s) throw new Error(`${this.row.id}: its stored shape was not read (the mirror source fills the items a page shows)`);
    const c = JSON.parse(s.doc) as Conversation;
    if (this.include.messages && s.extra !== null) Object.assign(c, JSON.parse(s.extra));
    // Rows stored before every vendor's items carried the key: null is what the vendor gave.
    if (this.include.messages && !('messages' in c)) c.messages = null;
    if (this.include.raw) c.raw = s.raw === null ? null : JSON.parse(s.raw);
    return (this.shape = c);
  }
  /** Search runs in the store (its `search` column); nothing asks a stored item for its text. */
  get searchText(): string {
    throw new Error('a mirror evaluates search in its store: a stored item has no search text to check');
  }
}
