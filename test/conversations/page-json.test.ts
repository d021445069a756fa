/** The list page serialized once (src/conversations/page-json.ts): the same bytes as JSON.stringify. */
import { describe, expect, it } from 'vitest';
import type { ListResult } from '../../src/conversations/list.js';
import { pageJson } from '../../src/conversations/page-json.js';

const HOLE = '\u0000switchboard-page-data\u0000';

describe('pageJson', () => {
  it('a page whose items and sources contain the placeholder itself still serializes to JSON.stringify(page), byte for byte', () => {
    const page = {
      object: 'list',
      data: [
        { id: 'a', title: HOLE, tags: [HOLE, 'ü ✓ "q"'] },
        { id: 'b', title: null, n: 1.5 },
      ],
      limit: 2,
      offset: 0,
      total: null,
      hasMore: true,
      nextCursor: 'x.y',
      partial: true,
      missed: [{ vendor: 'v', code: 'UPSTREAM_TIMEOUT', since: 1, pages: 1 }],
      sources: [{ vendor: 'v', status: 'error', mode: 'live', total: null, fetched: 0, calls: 1, error: { code: HOLE, message: HOLE } }],
    } as unknown as ListResult;
    const { body, stable } = pageJson(page);
    expect(body).toBe(JSON.stringify(page));
    expect(stable).toBe(JSON.stringify({ data: page.data, total: page.total, hasMore: page.hasMore, partial: page.partial, sources: [['v', 'error', HOLE]] }));
  });

  it('an empty page serializes to JSON.stringify(page)', () => {
    const page = { object: 'list', data: [], limit: 10, offset: 0, total: 0, hasMore: false, nextCursor: null, partial: false, sources: [] } as unknown as ListResult;
    expect(pageJson(page).body).toBe(JSON.stringify(page));
  });
});
