/** The pure comparisons of verify: items in, verdicts out. */
import { describe, expect, it } from 'vitest';
import type { Item } from '../../src/model/conversation.js';
import {
  checkCursorResume, checkDetail, checkFilter, checkFilterTotal, checkOrder, checkPaging, checkTotal, checkUnlisted,
  localPredicate, sampleValue, showValue, type ReadResult,
} from '../../src/verify/check.js';

interface Spec {
  status?: 'open' | 'closed' | null;
  channel?: string | null;
  createdAt?: number | null;
  title?: string;
  agentId?: string;
}

function item(id: string, s: Spec = {}): Item {
  const conversation = {
    id: `v:${id}`, vendor: 'v', externalId: id, title: s.title ?? null, status: s.status ?? null, channel: s.channel ?? null,
    createdAt: s.createdAt == null ? null : new Date(s.createdAt).toISOString(), updatedAt: null, lastActivityAt: null, closedAt: null,
    handledBy: null, agent: s.agentId ? { id: s.agentId, name: null } : null, contact: null, messageCount: null, lastMessage: null,
  };
  return {
    id: `v:${id}`,
    times: { createdAt: s.createdAt ?? null, updatedAt: null, lastActivityAt: null },
    conversation,
    keys: { leadId: null, visitorId: null, userId: null },
    searchText: (s.title ?? '').toLowerCase(),
  };
}

const read = (items: readonly Item[], extra: Partial<ReadResult> = {}): ReadResult => ({ items, truncated: null, total: null, ...extra });

const whole = read([
  item('a', { status: 'open', channel: 'web', createdAt: 1_000 }),
  item('b', { status: 'closed', channel: 'web', createdAt: 2_000 }),
  item('c', { status: 'open', channel: 'mail', createdAt: 3_000 }),
  item('d', { status: 'closed', channel: 'web', createdAt: null }),
]);
const at = (...ids: string[]) => ids.map((id) => whole.items.find((i) => i.id === `v:${id}`)!);
const isOpen = localPredicate('status', 'open');

describe('checkFilter', () => {
  it('exact: verified when the vendor answers exactly the local matches', () => {
    expect(checkFilter(whole, read(at('c', 'a')), isOpen, 'exact')).toEqual({ status: 'verified', detail: '2 matches of 4; the vendor returned exactly those' });
  });

  it('exact: names what the vendor returned that the local check rejects, and what it left out', () => {
    expect(checkFilter(whole, read(at('a', 'b', 'c', 'd')), isOpen, 'exact')).toEqual({ status: 'differs', detail: 'vendor returned 2 the local check rejects: v:b, v:d', ids: ['v:b', 'v:d'] });
    expect(checkFilter(whole, read(at('a')), isOpen, 'exact')).toEqual({ status: 'differs', detail: 'vendor left out 1 the local check accepts: v:c', ids: ['v:c'] });
  });

  it('superset (exact: false) allows more, never fewer; subset (recheck: false) says why', () => {
    expect(checkFilter(whole, read(at('a', 'b', 'c')), isOpen, 'superset')).toMatchObject({ status: 'verified', detail: expect.stringContaining('returned 3 (1 more): its answer holds every local match, as exact: false needs') });
    expect(checkFilter(whole, read(at('a')), isOpen, 'subset')).toMatchObject({ status: 'differs', detail: expect.stringContaining("recheck: false: it searches what we can't see, so local matches must be a subset of its answer") });
  });

  it("can't check when nothing matches, when everything does, or when the answer was cut", () => {
    const none = localPredicate('channel', 'sms');
    expect(checkFilter(whole, read([]), none, 'exact')).toMatchObject({ status: 'cantCheck', detail: expect.stringContaining('an empty answer proves nothing') });
    const all = () => true;
    expect(checkFilter(whole, read(whole.items), all, 'exact')).toMatchObject({ status: 'cantCheck', detail: expect.stringContaining('a vendor ignoring the parameter would answer the same') });
    expect(checkFilter(whole, read(at('a'), { truncated: 'more than maxItems (1)' }), isOpen, 'exact')).toMatchObject({ status: 'cantCheck' });
  });

  it('an answer holding one conversation twice differs', () => {
    expect(checkFilter(whole, read(at('a', 'c', 'a')), isOpen, 'exact')).toMatchObject({ status: 'differs', ids: ['v:a'] });
  });

  it('names at most five ids, and how many more', () => {
    const many = read(Array.from({ length: 8 }, (_, k) => item(`x${k}`, { status: 'closed' })));
    const r = checkFilter(many, read(many.items), isOpen, 'exact');
    expect(r).toMatchObject({ status: 'differs', detail: 'vendor returned 8 the local check rejects: v:x0, v:x1, v:x2, v:x3, v:x4, … (3 more)' });
    expect(r.ids).toHaveLength(5);
  });
});

describe('checkUnlisted', () => {
  it('every value of the data must be listed in the values map', () => {
    expect(checkUnlisted(whole, 'channel', ['web', 'mail'])).toMatchObject({ status: 'verified' });
    expect(checkUnlisted(whole, 'channel', ['web'])).toEqual({ status: 'differs', detail: "1 conversation has a channel the values map doesn't list (mail), so a query for it would wrongly find none: v:c", ids: ['v:c'] });
  });
});

describe('totals', () => {
  it('the whole total must be the count; a filtered one the local count', () => {
    expect(checkTotal(read(whole.items, { total: 4 })).status).toBe('verified');
    expect(checkTotal(read(whole.items, { total: 5 }))).toEqual({ status: 'differs', detail: "the vendor's total is 5, the whole read holds 4" });
    expect(checkTotal(read(whole.items))).toMatchObject({ status: 'differs', detail: expect.stringContaining('sent none') });
    expect(checkFilterTotal(whole, read(at('a', 'c'), { total: 2 }), isOpen).status).toBe('verified');
    expect(checkFilterTotal(whole, read(at('a', 'c'), { total: 4 }), isOpen)).toEqual({ status: 'differs', detail: "the vendor's total is 4, the local count 2" });
  });
});

describe('checkOrder', () => {
  it('monotone with nulls last in both directions is verified', () => {
    expect(checkOrder(whole, read(at('a', 'b', 'c', 'd')), 'createdAt', 'asc')).toMatchObject({ status: 'verified' });
    expect(checkOrder(whole, read(at('c', 'b', 'a', 'd')), 'createdAt', 'desc')).toMatchObject({ status: 'verified' });
  });

  it('names the first pair out of order, a null first, and a set unlike the whole read', () => {
    expect(checkOrder(whole, read(at('a', 'c', 'b', 'd')), 'createdAt', 'asc')).toEqual({
      status: 'differs',
      detail: 'out of order after 2 items: v:c (createdAt 1970-01-01T00:00:03.000Z) came before v:b (1970-01-01T00:00:02.000Z): v:c, v:b',
      ids: ['v:c', 'v:b'],
    });
    expect(checkOrder(whole, read(at('d', 'a', 'b', 'c')), 'createdAt', 'asc')).toMatchObject({ status: 'differs', ids: ['v:d', 'v:a'] });
    expect(checkOrder(whole, read(at('a', 'b', 'c')), 'createdAt', 'asc')).toMatchObject({ status: 'differs', detail: 'the ordered read left out 1 of the whole read: v:d' });
  });

  it("can't check when every conversation has the same instant", () => {
    const same = read([item('a', { createdAt: 5 }), item('b', { createdAt: 5 })]);
    expect(checkOrder(same, same, 'createdAt', 'asc')).toMatchObject({ status: 'cantCheck' });
  });
});

describe('checkPaging and checkCursorResume', () => {
  it('paging: the same set over several pages; one page is no test', () => {
    expect(checkPaging(whole, read(at('b', 'a', 'c', 'd')), 2, 2)).toMatchObject({ status: 'verified', detail: '2 pages of 2: the same 4 as the whole read, none twice' });
    expect(checkPaging(whole, read(at('a', 'b', 'b', 'c', 'd')), 2, 3)).toMatchObject({ status: 'differs', detail: 'paging by 2 returned 1 conversation twice: v:b' });
    expect(checkPaging(whole, read(whole.items), 10, 1)).toMatchObject({ status: 'cantCheck' });
  });

  it('a resumed cursor must give the rest of the walk, nothing before it', () => {
    const walk = { ids: ['v:a', 'v:b', 'v:c', 'v:d'], pageStarts: [0, 2] };
    expect(checkCursorResume(walk, 1, read(at('c', 'd'))).status).toBe('verified');
    expect(checkCursorResume(walk, 1, read(at('b', 'c', 'd')))).toMatchObject({ status: 'differs', detail: 'resumed at page 2, the vendor repeated 1 of the pages before: v:b' });
    expect(checkCursorResume(walk, 1, read(at('c')))).toMatchObject({ status: 'differs', ids: ['v:d'] });
  });
});

describe('checkDetail', () => {
  it('equal where both give a field; a field only one gives is named, not held against it', () => {
    const row = item('a', { status: 'open', title: 'Hi' });
    expect(checkDetail(row, item('a', { status: 'open', title: 'Hi', channel: 'web' }))).toEqual({ status: 'verified', detail: 'v:a maps equal to its list row (only in the detail: channel)' });
    expect(checkDetail(row, item('a', { status: 'closed', title: 'Hi' }))).toMatchObject({ status: 'differs', detail: 'v:a: the detail maps status unlike its list row' });
    expect(checkDetail(row, item('b'))).toMatchObject({ status: 'differs', ids: ['v:b'] });
  });
});

describe('sampleValue', () => {
  it('the most common value some but not all have; the median instant; a common title word', () => {
    expect(sampleValue('channel', whole.items)).toBe('web');
    expect(sampleValue('channel', [item('a', { channel: 'web' }), item('b', { channel: 'web' })])).toBe('web');
    expect(sampleValue('createdAfter', whole.items)).toBe(2_000);
    expect(showValue('createdAfter', 2_000)).toBe('1970-01-01T00:00:02.000Z');
    expect(sampleValue('search', [item('a', { title: 'Login fails' }), item('b', { title: 'login again' }), item('c', { title: 'Billing' })])).toBe('login');
    expect(sampleValue('agentId', whole.items)).toBeNull();
  });
});

describe('checkFilter: an answer holding what the whole read lacks', () => {
  it('differs, naming them: the unfiltered read misses them (whenAbsent), whatever the mode', () => {
    const onlyOpen = read(at('a', 'c'));
    const closed = read([item('x', { status: 'closed' }), item('y', { status: 'closed' })]);
    for (const mode of ['exact', 'superset', 'subset'] as const) {
      const v = checkFilter(onlyOpen, closed, localPredicate('status', 'closed'), mode);
      expect(v.status).toBe('differs');
      expect(v.detail).toMatch(/^vendor returned 2 the whole read doesn't hold: the unfiltered read misses them .*whenAbsent.*: v:x, v:y$/);
    }
  });

  it("can't say so when the whole read was cut", () => {
    const v = checkFilter(read(at('a'), { truncated: 'maxItems 1' }), read([item('x', { status: 'closed' })]), localPredicate('status', 'closed'), 'exact');
    expect(v.status).not.toBe('differs');
  });
});
