/**
 * Compiles a vendor's `response.fields` into one function raw item → unified Item. Each unified field is
 * turned into a small closure at load; mapping an item runs those closures and nothing else.
 */
import type { FieldsConfig, ValueSpec } from '../config/vendor-schema.js';
import { searchableText, type Conversation, type Item, type Message } from '../model/conversation.js';
import { MAX_ITEM_DEPTH, nestsDeeperThan } from '../model/depth.js';
import { compilePath, compilePaths, type Getter } from './path.js';
import { BAD_TIME, compileTimeParser, isoOf, MAX_INSTANT } from './time.js';

export interface MapOptions {
  messages: boolean;
  raw: boolean;
}

/** Item, or the reason it can't be mapped (the item is dropped and counted, never guessed). */
export type MapResult = Item | { drop: string };
export type ItemMapper = (raw: unknown, opts: MapOptions) => MapResult;

/** A problem found while compiling, reported like a schema problem (path inside the vendor file). */
export class DialectError extends Error {
  constructor(readonly path: string, message: string) {
    super(message);
  }
}

type Kind =
  | { type: 'string' }
  | { type: 'number' }
  | { type: 'time' }
  | { type: 'enum'; values: readonly string[] };

const STRING: Kind = { type: 'string' };
const NUMBER: Kind = { type: 'number' };
const TIME: Kind = { type: 'time' };
const enumOf = (...values: string[]): Kind => ({ type: 'enum', values });
const AUTHOR = enumOf('customer', 'agent', 'human_agent', 'system');



type Reader = (item: unknown, opts: MapOptions) => unknown;

function compileValue(spec: ValueSpec | undefined, kind: Kind, at: string): Reader {
  if (spec === undefined) return () => null;
  const s = typeof spec === 'string' || Array.isArray(spec) ? { path: spec } : spec;
  if (s.const !== undefined) {
    const c = coerce(s.const, kind);
    if (c === null && s.const !== null) throw new DialectError(`${at}.const`, `is not a valid ${describe(kind)}`);
    return () => c;
  }
  if (s.path === undefined) throw new DialectError(at, 'needs a path or a const');
  const get: Getter = compilePaths(s.path);
  const map = s.map;
  if (map) {
    for (const [k, v] of Object.entries(map)) {
      if (v !== null && coerce(v, kind) === null) throw new DialectError(`${at}.map.${k}`, `"${v}" is not a valid ${describe(kind)}`);
    }
  }
  const targets = map && (kind.type === 'string' || kind.type === 'number') ? new Set(Object.values(map).filter((t) => t !== null)) : null;
  const fallback = s.default === undefined ? null : coerce(s.default, kind);
  const parseTime = kind.type === 'time' ? compileTimeParser(s.time ?? 'auto') : null;
  const joiner = s.join;
  const countIt = s.count === true;
  const when = s.whenInclude;

  return (item, opts) => {
    if (when && !opts[when]) return null;
    let v = get(item);
    if (countIt) return Array.isArray(v) ? v.length : fallback;
    if (joiner !== undefined && Array.isArray(v)) {
      const parts = v.filter((x): x is string => typeof x === 'string');
      v = parts.length > 0 ? parts.join(joiner) : undefined;
    }
    if (v === undefined || v === null) return fallback;
    if (map) {
      const key = String(v);
      if (Object.hasOwn(map, key)) {
        const target = map[key] ?? null;
        return target === null ? null : coerce(target, kind);
      }
      // A value the map doesn't list is kept only if it already is one the field can take: one of the
      // unified values of status, handledBy or author, or one of the map's own targets for free text and
      // numbers (where any value would otherwise pass). Anything else is unreadable, as an unknown status
      // is: the `default`, or null, and `probe` counts it as invalid. Times go on to be parsed: their map
      // can only name the vendor's spellings of "none".
      if (targets && !targets.has(key)) return fallback;
    }
    if (parseTime) return parseTime(v);
    const c = coerce(v, kind);
    return c === null ? fallback : c;
  };
}

function coerce(v: unknown, kind: Kind): string | number | null {
  switch (kind.type) {
    case 'string':
      return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : null;
    case 'number': {
      const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
      return Number.isFinite(n) ? n : null;
    }
    case 'enum':
      return typeof v === 'string' && kind.values.includes(v) ? v : null;
    case 'time':
      return null;
  }
}

const describe = (kind: Kind): string => (kind.type === 'enum' ? `value (one of ${kind.values.join(', ')})` : kind.type);

// The time parser keeps numbers within the Date range; anything else shows as null rather than throwing.
const toIso = (ms: unknown): string | null => (typeof ms !== 'number' || !(Math.abs(ms) <= MAX_INSTANT) ? null : isoOf(ms));

/** A nested object (agent, contact, lastMessage): null when every sub-field is null. */
function compileObject<K extends string>(
  spec: { from?: string; fields: Partial<Record<K, ValueSpec>>; whenInclude?: 'messages' | 'raw' } | undefined,
  kinds: Record<K, Kind>,
  at: string,
): ((item: unknown, opts: MapOptions) => Record<K, unknown> | null) {
  if (!spec) return () => null;
  const base: Getter = spec.from ? compilePath(spec.from) : (d) => d;
  const readers = (Object.keys(kinds) as K[]).map((k) => [k, compileValue(spec.fields[k], kinds[k], `${at}.fields.${k}`)] as const);
  const when = spec.whenInclude;
  return (item, opts) => {
    if (when && !opts[when]) return null;
    const src = base(item);
    if (src === undefined || src === null) return null;
    const out = {} as Record<K, unknown>;
    let any = false;
    for (const [k, read] of readers) {
      const r = read(src, opts);
      // A nested timestamp orders nothing: unreadable, it is shown as null rather than dropping the item.
      const v = r === BAD_TIME ? null : r;
      out[k] = v;
      if (v !== null) any = true;
    }
    return any ? out : null;
  };
}

const AGENT = { id: STRING, name: STRING };
const CONTACT = { name: STRING, email: STRING, phone: STRING };
const LAST_MESSAGE = { text: STRING, author: AUTHOR, createdAt: TIME };
const MESSAGE = { id: STRING, text: STRING, author: AUTHOR, createdAt: TIME };

export function compileFields(vendor: string, f: FieldsConfig): ItemMapper {
  const at = 'response.fields';
  const externalId = compileValue(f.externalId, STRING, `${at}.externalId`);
  const title = compileValue(f.title, STRING, `${at}.title`);
  const status = compileValue(f.status, enumOf('open', 'closed'), `${at}.status`);
  const channel = compileValue(f.channel, STRING, `${at}.channel`);
  const createdAt = compileValue(f.createdAt, TIME, `${at}.createdAt`);
  const updatedAt = compileValue(f.updatedAt, TIME, `${at}.updatedAt`);
  const lastActivityAt = compileValue(f.lastActivityAt, TIME, `${at}.lastActivityAt`);
  const closedAt = compileValue(f.closedAt, TIME, `${at}.closedAt`);
  const handledBy = compileValue(f.handledBy, enumOf('ai', 'human'), `${at}.handledBy`);
  const agent = compileObject(f.agent, AGENT, `${at}.agent`);
  const contact = compileObject(f.contact, CONTACT, `${at}.contact`);
  const messageCount = compileValue(f.messageCount, NUMBER, `${at}.messageCount`);
  const lastMessage = compileObject(f.lastMessage, LAST_MESSAGE, `${at}.lastMessage`);
  const leadId = compileValue(f.leadId, STRING, `${at}.leadId`);
  const visitorId = compileValue(f.visitorId, STRING, `${at}.visitorId`);
  const userId = compileValue(f.userId, STRING, `${at}.userId`);
  const messages = compileMessages(f.messages, `${at}.messages`);
  const prefix = `${vendor}:`;

  const build = (m: MappedItem): Conversation => {
    const { raw, opts } = m;
    const last = lastMessage(raw, opts) as Record<'text' | 'author' | 'createdAt', unknown> | null;
    const conversation: Conversation = {
      id: m.id,
      vendor,
      externalId: m.externalId,
      title: title(raw, opts) as string | null,
      status: status(raw, opts) as Conversation['status'],
      channel: channel(raw, opts) as string | null,
      createdAt: toIso(m.times.createdAt),
      updatedAt: toIso(m.times.updatedAt),
      lastActivityAt: toIso(m.times.lastActivityAt),
      closedAt: toIso(m.closedAt),
      handledBy: handledBy(raw, opts) as Conversation['handledBy'],
      agent: agent(raw, opts) as Conversation['agent'],
      contact: contact(raw, opts) as Conversation['contact'],
      messageCount: messageCount(raw, opts) as number | null,
      lastMessage: last ? ({ ...last, createdAt: toIso(last.createdAt) } as Conversation['lastMessage']) : null,
    };
    // One rule for every vendor: asked for, `messages` is always there: null when the vendor can't give
    // them (no messages in its config, or none in this item), [] when it gives none.
    if (opts.messages) conversation.messages = messages ? messages(raw, opts) : null;
    if (opts.raw) conversation.raw = raw;
    return conversation;
  };
  // Search looks at every message the item carries, included or not (see searchableText).
  const search = (m: MappedItem): string =>
    searchableText(m.conversation, messages ? messages(m.raw, { messages: true, raw: false }) : m.conversation.messages);
  const keys = (raw: unknown, opts: MapOptions): Item['keys'] => ({
    leadId: leadId(raw, opts) as string | null,
    visitorId: visitorId(raw, opts) as string | null,
    userId: userId(raw, opts) as string | null,
  });

  // Only what ordering and dropping need is read up front; the rest when the item is shown or filtered.
  return (raw, opts) => {
    const ext = externalId(raw, opts);
    if (typeof ext !== 'string' || ext === '') return { drop: 'no id' };
    // Kept as sent (include=raw, the mirror): bounded here, so no later serialization can overflow on it.
    if (nestsDeeperThan(raw, MAX_ITEM_DEPTH)) return { drop: `nested more than ${MAX_ITEM_DEPTH} levels deep` };
    const created = createdAt(raw, opts);
    const updated = updatedAt(raw, opts);
    const active = lastActivityAt(raw, opts);
    const closed = closedAt(raw, opts);
    if (created === BAD_TIME || updated === BAD_TIME || active === BAD_TIME || closed === BAD_TIME) return { drop: 'unreadable timestamp' };
    const times = { createdAt: created as number | null, updatedAt: updated as number | null, lastActivityAt: active as number | null };
    return new MappedItem(prefix + ext, ext, times, closed as number | null, raw, opts, build, keys, search);
  };
}

/** An item whose public shape is built on first use and then kept. */
class MappedItem implements Item {
  private shape: Conversation | undefined;
  private scope: Item['keys'] | undefined;
  private text: string | undefined;
  constructor(
    readonly id: string,
    readonly externalId: string,
    readonly times: Item['times'],
    readonly closedAt: number | null,
    readonly raw: unknown,
    readonly opts: MapOptions,
    private readonly build: (m: MappedItem) => Conversation,
    private readonly readKeys: (raw: unknown, opts: MapOptions) => Item['keys'],
    private readonly readSearch: (m: MappedItem) => string,
  ) {}
  get conversation(): Conversation {
    return (this.shape ??= this.build(this));
  }
  get keys(): Item['keys'] {
    return (this.scope ??= this.readKeys(this.raw, this.opts));
  }
  get searchText(): string {
    return (this.text ??= this.readSearch(this));
  }
}

function compileMessages(spec: FieldsConfig['messages'], at: string) {
  if (!spec) return undefined;
  const each = compilePath(spec.each);
  const one = compileObject({ fields: spec.fields }, MESSAGE, at);
  const when = spec.whenInclude;
  return (raw: unknown, opts: MapOptions): Message[] | null => {
    if (when && !opts[when]) return null;
    const list = each(raw);
    if (!Array.isArray(list)) return null;
    const out: Message[] = [];
    for (const m of list) {
      const v = one(m, opts);
      if (v) out.push({ ...(v as Omit<Message, 'createdAt'>), createdAt: toIso(v.createdAt) });
    }
    return out;
  };
}
