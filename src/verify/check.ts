/**
 * The comparisons of `switchboard verify`: the vendor's own answers against local evaluation of one whole
 * read, each to a verdict. Pure: items in, verdicts out. "Local evaluation" is the gateway's own filter
 * predicate (plan/local-filter) and order comparator (model/order), so verified means what the gateway does.
 */
import type { Conversation, Item } from '../model/conversation.js';
import { compareTimes } from '../model/order.js';
import type { FilterName, Filters, OrderDir, OrderField } from '../model/query.js';
import { buildLocalFilter } from '../plan/local-filter.js';
import type { FilterMode } from './claims.js';

export type VerdictStatus = 'verified' | 'differs' | 'cantCheck';

export interface Verdict {
  status: VerdictStatus;
  /** What was seen, or why it differs or can't be checked. */
  detail: string;
  /** The first differing ids, when it differs. */
  ids?: string[];
}

/** One read as the checks see it: the mapped items in the order they came, duplicates kept. */
export interface ReadResult {
  items: readonly Item[];
  /** Why the read stopped before the vendor's last page (a bound), or null when it read to the end. */
  truncated: string | null;
  /** The first page's total, when the vendor gave one. */
  total: number | null;
}

/** How many ids a verdict names. */
export const SHOWN_IDS = 5;

const verified = (detail: string): Verdict => ({ status: 'verified', detail });
const cantCheck = (detail: string): Verdict => ({ status: 'cantCheck', detail });
const differs = (detail: string, ids: readonly string[]): Verdict => ({ status: 'differs', detail: `${detail}: ${listIds(ids)}`, ids: ids.slice(0, SHOWN_IDS) });

export function listIds(ids: readonly string[]): string {
  const shown = ids.slice(0, SHOWN_IDS).join(', ');
  return ids.length > SHOWN_IDS ? `${shown}, … (${ids.length - SHOWN_IDS} more)` : shown;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Ids in first-seen order, once each, and those seen again. */
export function distinct(items: readonly Item[]): { ids: string[]; repeated: string[] } {
  const seen = new Set<string>();
  const repeated: string[] = [];
  for (const i of items) {
    if (seen.has(i.id)) repeated.push(i.id);
    else seen.add(i.id);
  }
  return { ids: [...seen], repeated };
}

/** The local predicate of one filter value: exactly the gateway's. */
export function localPredicate(filter: FilterName, value: string | number): (i: Item) => boolean {
  return buildLocalFilter([filter], { [filter]: value } as Filters);
}

/** The value of a value filter an item carries, as the local check reads it. */
function valueOf(filter: FilterName, i: Item): string | null {
  switch (filter) {
    case 'status': return i.conversation.status;
    case 'channel': return i.conversation.channel;
    case 'agentId': return i.conversation.agent?.id ?? null;
    case 'leadId': return i.keys.leadId;
    case 'visitorId': return i.keys.visitorId;
    case 'userId': return i.keys.userId;
    default: return null;
  }
}

const TIME_FIELD: Partial<Record<FilterName, 'createdAt' | 'updatedAt'>> = {
  createdAfter: 'createdAt', createdBefore: 'createdAt', updatedAfter: 'updatedAt', updatedBefore: 'updatedAt',
};

/**
 * A value to check a free filter with, taken from the whole read: the most common value that some but not
 * all conversations have (one that tells a vendor honouring the filter from one ignoring it); for a time
 * filter the median instant; for search the most common word of the titles. Null when the data has none.
 */
export function sampleValue(filter: FilterName, whole: readonly Item[]): string | number | null {
  const field = TIME_FIELD[filter];
  if (field) {
    const times = whole.map((i) => i.times[field]).filter((t): t is number => t !== null).sort((a, b) => a - b);
    return times.length === 0 ? null : times[Math.floor(times.length / 2)]!;
  }
  const values: string[] = [];
  for (const i of whole) {
    if (filter === 'search') {
      const words = new Set((i.conversation.title ?? '').toLowerCase().match(/[\p{L}\p{N}]{4,}/gu) ?? []);
      values.push(...words);
    } else {
      const v = valueOf(filter, i);
      if (v !== null && v !== '') values.push(v);
    }
  }
  return mostTelling(values, whole.length);
}

/** The most common value held by fewer than all `n` items (ties: the smallest); else the most common. */
function mostTelling(values: readonly string[], n: number): string | null {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  const ranked = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return (ranked.find(([, c]) => c < n) ?? ranked[0])?.[0] ?? null;
}

/** Shows a filter value as it is written in a query (instants as ISO). */
export function showValue(filter: FilterName, value: string | number): string {
  return typeof value === 'number' && TIME_FIELD[filter] ? new Date(value).toISOString() : String(value);
}

/**
 * One pushed filter value: the vendor's answer (`answer`) against the local check of the whole read.
 * Exact: every answered item passes the local check and every local match was answered. Superset and
 * subset: every local match was answered (more is allowed).
 */
export function checkFilter(whole: ReadResult, answer: ReadResult, accept: (i: Item) => boolean, mode: FilterMode): Verdict {
  const matches = distinct(whole.items.filter(accept)).ids;
  const answered = distinct(answer.items);
  const got = new Set(answered.ids);
  if (answered.repeated.length > 0) return differs(`the vendor answered ${plural(answered.repeated.length, 'conversation')} twice`, answered.repeated);
  const rejected = mode === 'exact' ? answer.items.filter((i) => !accept(i)).map((i) => i.id) : [];
  if (rejected.length > 0) return differs(`vendor returned ${rejected.length} the local check rejects`, rejected);
  if (answer.truncated) return cantCheck(`the vendor's answer was cut (${answer.truncated}): whether it holds every local match is unknown`);
  // A filtered answer is part of the whole: what only it holds, the unfiltered read never saw, and the local
  // check of that read can't be exact (a vendor answering a part unless told, say open conversations only).
  if (!whole.truncated) {
    const known = new Set(distinct(whole.items).ids);
    const unseen = answered.ids.filter((id) => !known.has(id));
    if (unseen.length > 0) {
      return differs(`vendor returned ${unseen.length} the whole read doesn't hold: the unfiltered read misses them (a vendor that answers a part unless told needs the filter's whenAbsent), or they are new since it`, unseen);
    }
  }
  const missing = matches.filter((id) => !got.has(id));
  const relation = mode === 'exact' ? '' : mode === 'superset' ? ' (exact: false, so its answer may hold more)' : ' (recheck: false: it searches what we can\'t see, so local matches must be a subset of its answer)';
  if (missing.length > 0) return differs(`vendor left out ${missing.length} the local check accepts${relation}`, missing);
  const wholeIds = distinct(whole.items).ids;
  if (matches.length === 0 && answered.ids.length === 0) return cantCheck(`no conversation of the whole read matches, and the vendor answered none: an empty answer proves nothing`);
  if (!whole.truncated && matches.length === wholeIds.length) {
    return cantCheck(`every conversation of the whole read (${wholeIds.length}) matches: a vendor ignoring the parameter would answer the same`);
  }
  const extra = answered.ids.length - matches.length;
  const of = `of ${wholeIds.length}${whole.truncated ? ' read (the whole read was cut; its answer holds each of them)' : ''}`;
  if (mode === 'exact' && whole.truncated) return verified(`${plural(matches.length, 'match', 'matches')} ${of}, none it returned rejected`);
  if (mode === 'exact') return verified(`${plural(matches.length, 'match', 'matches')} ${of}; the vendor returned exactly those`);
  const note = mode === 'subset' ? 'local matches are a subset of its answer, as recheck: false needs' : 'its answer holds every local match, as exact: false needs';
  return verified(`${plural(matches.length, 'local match', 'local matches')} ${of}, the vendor returned ${answered.ids.length}${extra > 0 ? ` (${extra} more)` : ''}: ${note}`);
}

/**
 * A `values` map's unlisted values: the planner answers none for them without asking the vendor, so no
 * conversation of the whole read may have one.
 */
export function checkUnlisted(whole: ReadResult, filter: FilterName, listed: readonly string[]): Verdict {
  const known = new Set(listed);
  const unlisted = distinct(whole.items.filter((i) => {
    const v = valueOf(filter, i);
    return v !== null && !known.has(v);
  })).ids;
  if (unlisted.length > 0) {
    const values = [...new Set(whole.items.map((i) => valueOf(filter, i)).filter((v): v is string => v !== null && !known.has(v)))];
    return differs(`${plural(unlisted.length, 'conversation')} ${unlisted.length === 1 ? 'has' : 'have'} a ${filter} the values map doesn't list (${values.slice(0, SHOWN_IDS).join(', ')}), so a query for it would wrongly find none`, unlisted);
  }
  if (whole.items.length === 0) return cantCheck('the whole read holds no conversation');
  return verified(`every ${filter} of the whole read is listed (${listed.join(', ')}): an unlisted one rightly matches none`);
}

/** The vendor's total for a filtered read against the number of local matches. */
export function checkFilterTotal(whole: ReadResult, answer: ReadResult, accept: (i: Item) => boolean): Verdict {
  if (answer.total === null) return { status: 'differs', detail: 'the config reads a total (response.total) but the vendor sent none for this filter' };
  if (whole.truncated) return cantCheck(`the whole read was cut (${whole.truncated}): the local count is unknown`);
  const count = distinct(whole.items.filter(accept)).ids.length;
  if (answer.total !== count) return { status: 'differs', detail: `the vendor's total is ${answer.total}, the local count ${count}` };
  return verified(`the vendor's total ${answer.total} is the local count`);
}

/** The whole read's total against its count. */
export function checkTotal(whole: ReadResult): Verdict {
  if (whole.total === null) return { status: 'differs', detail: 'the config reads a total (response.total) but the vendor sent none' };
  const count = distinct(whole.items).ids.length;
  if (whole.truncated) {
    return whole.total > count ? verified(`the vendor's total ${whole.total} is more than the ${count} read (${whole.truncated})`) : cantCheck(`the whole read was cut (${whole.truncated})`);
  }
  if (whole.total !== count) return { status: 'differs', detail: `the vendor's total is ${whole.total}, the whole read holds ${count}` };
  return verified(`the vendor's total ${whole.total} is the count of the whole read`);
}

/** Compares the set of a read with the whole read's: what it lacks, and what only it has. */
function sameSet(whole: ReadResult, read: ReadResult, what: string): Verdict | null {
  const { ids, repeated } = distinct(read.items);
  if (repeated.length > 0) return differs(`${what} returned ${plural(repeated.length, 'conversation')} twice`, repeated);
  if (whole.truncated || read.truncated) return null;
  const has = new Set(ids);
  const all = distinct(whole.items).ids;
  const missing = all.filter((id) => !has.has(id));
  if (missing.length > 0) return differs(`${what} left out ${missing.length} of the whole read`, missing);
  const known = new Set(all);
  const extra = ids.filter((id) => !known.has(id));
  if (extra.length > 0) return differs(`${what} returned ${extra.length} the whole read didn't`, extra);
  return null;
}

const showTime = (t: number | null) => (t === null ? 'null' : new Date(t).toISOString());

/**
 * One pushed order: read to the end in it, the items must be monotone by the field (nulls last, ties in
 * any order: the vendor's tie-break is its own) and the same set as the whole read.
 */
export function checkOrder(whole: ReadResult, read: ReadResult, by: OrderField, dir: OrderDir): Verdict {
  const set = sameSet(whole, read, 'the ordered read');
  if (set) return set;
  const cmp = compareTimes(dir);
  const items = read.items;
  for (let k = 1; k < items.length; k++) {
    const a = items[k - 1]!;
    const b = items[k]!;
    if (cmp(a.times[by], b.times[by]) > 0) {
      return differs(`out of order after ${k} items: ${a.id} (${by} ${showTime(a.times[by])}) came before ${b.id} (${showTime(b.times[by])})`, [a.id, b.id]);
    }
  }
  const times = new Set(items.map((i) => i.times[by]));
  if (items.length < 2) return cantCheck(`${plural(items.length, 'conversation')}: no order to see`);
  if (times.size < 2) return cantCheck(`every conversation has the same ${by} (${showTime(items[0]!.times[by])}): any order would pass`);
  const cut = read.truncated ? `; cut at ${items.length} (${read.truncated}), so only its head is checked` : '';
  return verified(`${items.length} in ${by} ${dir} order, nulls last${cut}`);
}

/** Paging at a small page size: the same set as the whole read, nothing twice. */
export function checkPaging(whole: ReadResult, read: ReadResult, size: number, pages: number): Verdict {
  const set = sameSet(whole, read, `paging by ${size}`);
  if (set) return set;
  if (read.truncated || whole.truncated) return cantCheck(`a read was cut (${read.truncated ?? whole.truncated}): no set to compare`);
  if (pages < 2) return cantCheck(`all ${read.items.length} fit on one page of ${size}: no page boundary to cross`);
  return verified(`${plural(pages, 'page')} of ${size}: the same ${read.items.length} as the whole read, none twice`);
}

/**
 * A cursor walk resumed from the cursor of page `from`: what follows must be the walk's own rest, in the
 * same order, with nothing of the pages before.
 */
export function checkCursorResume(walk: { ids: readonly string[]; pageStarts: readonly number[] }, from: number, resumed: ReadResult): Verdict {
  const start = walk.pageStarts[from]!;
  const expected = walk.ids.slice(start);
  const before = new Set(walk.ids.slice(0, start));
  const got = resumed.items.map((i) => i.id);
  const repeats = got.filter((id) => before.has(id));
  if (repeats.length > 0) return differs(`resumed at page ${from + 1}, the vendor repeated ${repeats.length} of the pages before`, repeats);
  const n = Math.min(got.length, expected.length);
  for (let k = 0; k < n; k++) {
    if (got[k] !== expected[k]) return differs(`resumed at page ${from + 1}, item ${k + 1} is ${got[k]} where the walk had ${expected[k]}`, [got[k]!, expected[k]!]);
  }
  if (!resumed.truncated && got.length !== expected.length) {
    const rest = got.length < expected.length ? expected.slice(got.length) : got.slice(expected.length);
    return differs(`resumed at page ${from + 1}, the vendor gave ${got.length} where the walk had ${expected.length}`, rest);
  }
  return verified(`the walk ended after ${walk.pageStarts.length} pages; resumed at page ${from + 1}, it gave the same ${got.length} in the same order, none repeated`);
}

/** Fields of a conversation a list row and a detail answer may each lack (each request carries its own). */
const UNCOMPARED = new Set<keyof Conversation>(['messages', 'raw']);

/**
 * One conversation read by id against its list row: every field both give must be equal. A field only one
 * of them gives is named, not held against it (a list row may be a summary; a detail may lack a list field).
 */
export function checkDetail(row: Item, detail: Item): Verdict {
  if (detail.id !== row.id) return differs(`asked for ${row.id}, the vendor answered with another conversation`, [detail.id]);
  const a = row.conversation as unknown as Record<string, unknown>;
  const b = detail.conversation as unknown as Record<string, unknown>;
  const unequal: string[] = [];
  const onlyList: string[] = [];
  const onlyDetail: string[] = [];
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (UNCOMPARED.has(key as keyof Conversation)) continue;
    const x = a[key] ?? null;
    const y = b[key] ?? null;
    if (x === null && y !== null) onlyDetail.push(key);
    else if (y === null && x !== null) onlyList.push(key);
    else if (JSON.stringify(x) !== JSON.stringify(y)) unequal.push(key);
  }
  if (unequal.length > 0) return { status: 'differs', detail: `${row.id}: the detail maps ${unequal.join(', ')} unlike its list row`, ids: [row.id] };
  const notes = [onlyList.length ? `only in the list: ${onlyList.join(', ')}` : '', onlyDetail.length ? `only in the detail: ${onlyDetail.join(', ')}` : ''].filter(Boolean);
  return verified(`${row.id} maps equal to its list row${notes.length ? ` (${notes.join('; ')})` : ''}`);
}
