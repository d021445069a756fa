/** The vendors' own documented examples go through the shipped configs and come out as the unified items. */
import { beforeAll, describe, expect, it } from 'vitest';
import type { CompiledVendor } from '../../src/dialect/vendor.js';
import { SEED_EXAMPLES } from '../fixtures/seed-examples.js';
import { shippedVendors } from '../helpers/compiled.js';

let v: Record<string, CompiledVendor>;
beforeAll(async () => {
  v = await shippedVendors();
});

const ok = (body: unknown) => ({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe.each(SEED_EXAMPLES)('$vendor documented example', ({ vendor, body, total, expected }) => {
  it('reads the page and maps every item exactly', () => {
    const page = v[vendor]!.readPage(ok(body));
    if (!('items' in page)) throw new Error(`not a page: ${JSON.stringify(page)}`);
    expect(page.facts.total).toBe(total);
    const mapped = page.items.map((raw) => v[vendor]!.mapItem(raw, { messages: false, raw: false }));
    expect(mapped.map((m) => ('conversation' in m ? m.conversation : m))).toStrictEqual(expected);
  });

  it('keeps the vendor item under raw only when asked', () => {
    const page = v[vendor]!.readPage(ok(body));
    if (!('items' in page)) throw new Error('not a page');
    const m = v[vendor]!.mapItem(page.items[0], { messages: false, raw: true });
    expect('conversation' in m && m.conversation.raw).toEqual(page.items[0]);
  });
});

describe('tolerant reading', () => {
  it('reads both spellings of SiteAssist lastInteractionAt', () => {
    const item = (field: string) => ({ id: 'x', status: 'open', createdAt: '2024-01-01T00:00:00Z', [field]: '2024-02-02T00:00:00Z' });
    for (const field of ['lastInterationAt', 'lastInteractionAt']) {
      const m = v.siteassist!.mapItem(item(field), { messages: false, raw: false });
      expect('conversation' in m && m.conversation.lastActivityAt).toBe('2024-02-02T00:00:00.000Z');
    }
  });

  it("accepts Uncodie's other pagination shape", () => {
    const page = v.uncodie!.readPage(ok({ success: true, data: { conversations: [], pagination: { total: 7, page: 1, limit: 10, pages: 1 } } }));
    expect('items' in page && page.facts.total).toBe(7);
  });

  it('drops an item without an id or with an unreadable date, instead of guessing', () => {
    const map = (raw: unknown) => v.superagentes!.mapItem(raw, { messages: false, raw: false });
    expect(map({ title: 'no id' })).toEqual({ drop: 'no id' });
    expect(map({ id: 'a', createdAt: 'yesterday-ish' })).toEqual({ drop: 'unreadable timestamp' });
    expect(map({ id: 'a', createdAt: '2024-01-01T00:00:00' })).toMatchObject({ times: { createdAt: Date.UTC(2024, 0, 1) } });
  });

  it('maps Superagentes statuses, including HUMAN_REQUESTED as open and handled by a human', () => {
    const m = v.superagentes!.mapItem({ id: 'a', status: 'HUMAN_REQUESTED' }, { messages: false, raw: false });
    expect('conversation' in m && [m.conversation.status, m.conversation.handledBy]).toEqual(['open', 'human']);
    const r = v.superagentes!.mapItem({ id: 'a', status: 'RESOLVED' }, { messages: false, raw: false });
    expect('conversation' in r && [r.conversation.status, r.conversation.handledBy]).toEqual(['closed', null]);
  });

  it('counts and lists messages only when messages are included', () => {
    const raw = { id: 'a', messages: [{ id: 'm1', text: 'hi', from: 'human', createdAt: '2024-01-01T00:00:00Z' }, { id: 'm2', text: 'hello', from: 'agent', createdAt: '2024-01-01T00:01:00Z' }] };
    const without = v.superagentes!.mapItem(raw, { messages: false, raw: false });
    expect('conversation' in without && without.conversation.messageCount).toBeNull();
    expect('conversation' in without && 'messages' in without.conversation).toBe(false);
    const withMsgs = v.superagentes!.mapItem(raw, { messages: true, raw: false });
    expect('conversation' in withMsgs && withMsgs.conversation.messageCount).toBe(2);
    expect('conversation' in withMsgs && withMsgs.conversation.messages).toEqual([
      { id: 'm1', text: 'hi', author: 'customer', createdAt: '2024-01-01T00:00:00.000Z' },
      { id: 'm2', text: 'hello', author: 'agent', createdAt: '2024-01-01T00:01:00.000Z' },
    ]);
  });
});
