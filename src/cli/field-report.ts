/**
 * How well a vendor's real items fit its `response.fields`: for each configured unified field, how many
 * items had it, lacked it (absent or null at its path, or a value its map sends to null), or had a value it can't be (a timestamp that
 * doesn't parse, a status the map doesn't know, a number that isn't one), judged by what the compiled
 * mapper made of it: present in the vendor's item but null after mapping. Pure.
 */
import type { FieldsConfig, ValueSpec } from '../config/vendor-schema.js';
import type { ItemMapper, MapOptions } from '../dialect/fields.js';
import { compilePath, compilePaths, type Getter } from '../dialect/path.js';
import { BAD_TIME, compileTimeParser } from '../dialect/time.js';
import type { Item } from '../model/conversation.js';

export interface FieldStat {
  /** The unified field, e.g. `status`, `agent.name`. */
  field: string;
  /** `path`: read from the item; `const`: the same for every item; `skipped`: not read for this query. */
  source: 'path' | 'const' | 'skipped';
  present: number;
  missing: number;
  invalid: number;
  /** The first value that could not be mapped. */
  example?: unknown;
  note?: string;
}

export interface DropStat {
  reason: string;
  count: number;
  /** For unreadable timestamps: which fields, with an example value. */
  fields?: { field: string; example: unknown }[];
}

export interface MappingReport {
  items: number;
  mapped: number;
  dropped: DropStat[];
  fields: FieldStat[];
}

type Accessor = (item: Item) => unknown;
type When = 'messages' | 'raw' | undefined;

interface FieldProbe {
  field: string;
  spec: ValueSpec;
  /** Where the field's paths start (an object's `from`), or the item. */
  base: Getter;
  mapped: Accessor;
  time: boolean;
  when: When;
}

const c = (f: (conversation: Item['conversation']) => unknown): Accessor => (i) => f(i.conversation);

const TOP: [keyof FieldsConfig, Accessor, boolean][] = [
  ['externalId', c((x) => x.externalId), false],
  ['title', c((x) => x.title), false],
  ['status', c((x) => x.status), false],
  ['channel', c((x) => x.channel), false],
  ['createdAt', c((x) => x.createdAt), true],
  ['updatedAt', c((x) => x.updatedAt), true],
  ['lastActivityAt', c((x) => x.lastActivityAt), true],
  ['closedAt', c((x) => x.closedAt), true],
  ['handledBy', c((x) => x.handledBy), false],
  ['messageCount', c((x) => x.messageCount), false],
  ['leadId', (i) => i.keys.leadId, false],
  ['visitorId', (i) => i.keys.visitorId, false],
  ['userId', (i) => i.keys.userId, false],
];

const OBJECTS = {
  agent: { id: [c((x) => x.agent?.id), false], name: [c((x) => x.agent?.name), false] },
  contact: { name: [c((x) => x.contact?.name), false], email: [c((x) => x.contact?.email), false], phone: [c((x) => x.contact?.phone), false] },
  lastMessage: {
    text: [c((x) => x.lastMessage?.text), false],
    author: [c((x) => x.lastMessage?.author), false],
    createdAt: [c((x) => x.lastMessage?.createdAt), true],
  },
} as const satisfies Record<string, Record<string, readonly [Accessor, boolean]>>;

const itself: Getter = (d) => d;
const asObject = (spec: ValueSpec): Exclude<ValueSpec, string | string[]> => (typeof spec === 'string' || Array.isArray(spec) ? { path: spec } : spec);

function probesOf(fields: FieldsConfig): FieldProbe[] {
  const out: FieldProbe[] = [];
  for (const [name, mapped, time] of TOP) {
    const spec = fields[name] as ValueSpec | undefined;
    if (spec !== undefined) out.push({ field: name, spec, base: itself, mapped, time, when: undefined });
  }
  for (const [name, subs] of Object.entries(OBJECTS)) {
    const obj = fields[name as keyof typeof OBJECTS];
    if (!obj) continue;
    const base = obj.from ? compilePath(obj.from) : itself;
    for (const [sub, [mapped, time]] of Object.entries(subs)) {
      const spec = (obj.fields as Record<string, ValueSpec | undefined>)[sub];
      if (spec !== undefined) out.push({ field: `${name}.${sub}`, spec, base, mapped, time, when: obj.whenInclude });
    }
  }
  return out;
}

/** Maps every raw item and reports on each configured field (`messages` is reported as one field). */
export function mappingReport(fields: FieldsConfig, mapItem: ItemMapper, raws: readonly unknown[], opts: MapOptions): MappingReport {
  const kept: { raw: unknown; item: Item }[] = [];
  const drops = new Map<string, DropStat>();
  for (const raw of raws) {
    const r = mapItem(raw, opts);
    if (!('drop' in r)) {
      kept.push({ raw, item: r });
      continue;
    }
    const d = drops.get(r.drop) ?? { reason: r.drop, count: 0 };
    d.count++;
    drops.set(r.drop, d);
    if (r.drop === 'unreadable timestamp') noteBadTimes(d, fields, raw);
  }

  const stats: FieldStat[] = [];
  for (const p of probesOf(fields)) {
    const s = asObject(p.spec);
    const stat: FieldStat = { field: p.field, source: 'path', present: 0, missing: 0, invalid: 0 };
    stats.push(stat);
    const when = s.whenInclude ?? p.when;
    if (when && !opts[when]) {
      Object.assign(stat, { source: 'skipped', note: `read only with include=${when}` });
      continue;
    }
    if (s.const !== undefined) {
      Object.assign(stat, { source: 'const', present: kept.length });
      continue;
    }
    if (s.path === undefined) continue;
    const get = compilePaths(s.path);
    for (const { raw, item } of kept) {
      const value = get(p.base(raw));
      // A value the map says means "none" is a mapping, not a bad value, but the item has no such field all the same.
      if (value === undefined || value === null || (p.time && value === '') || mapsToNull(s.map, value)) stat.missing++;
      else if ((p.mapped(item) ?? null) !== null) stat.present++;
      else {
        stat.invalid++;
        if (stat.example === undefined) stat.example = value;
      }
    }
  }
  if (fields.messages) {
    const m = fields.messages;
    const stat: FieldStat = { field: 'messages', source: 'path', present: 0, missing: 0, invalid: 0 };
    stats.push(stat);
    if (m.whenInclude && !opts[m.whenInclude]) Object.assign(stat, { source: 'skipped', note: `read only with include=${m.whenInclude}` });
    else {
      const each = compilePath(m.each);
      for (const { raw } of kept) {
        if (Array.isArray(each(raw))) stat.present++;
        else stat.missing++;
      }
    }
  }
  return { items: raws.length, mapped: kept.length, dropped: [...drops.values()], fields: stats };
}

/** A map entry that says "this vendor value means null": missing, not invalid. */
const mapsToNull = (map: Record<string, string | null> | undefined, value: unknown): boolean =>
  map !== undefined && Object.hasOwn(map, String(value)) && map[String(value)] === null;

function noteBadTimes(d: DropStat, fields: FieldsConfig, raw: unknown): void {
  for (const name of ['createdAt', 'updatedAt', 'lastActivityAt', 'closedAt'] as const) {
    const spec = fields[name];
    if (spec === undefined) continue;
    const s = asObject(spec);
    if (s.path === undefined || s.const !== undefined) continue;
    const value = compilePaths(s.path)(raw);
    if (compileTimeParser(s.time ?? 'auto')(value) !== BAD_TIME) continue;
    d.fields ??= [];
    if (!d.fields.some((f) => f.field === name)) d.fields.push({ field: name, example: value });
  }
}
