/** fields= on GET /conversations over real HTTP: trimmed items, kept by the cursor, covered by the ETag, 400 for unknown names. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateConversations } from '../../sim/canonical.js';
import { SEED_VENDORS, startHarness, type Harness } from '../helpers/harness.js';

describe('fields=', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      vendors: SEED_VENDORS.filter((v) => v.name === 'siteassist'),
      data: { siteassist: generateConversations({ seed: 3, count: 25, idPrefix: 'sia', uuidIds: true, channels: ['website'] }) },
    });
  });
  afterAll(async () => h?.close());

  it('trims every item to the selected properties, id always kept, in the order of the full page', async () => {
    const full = await h.get('/conversations?limit=7');
    const res = await h.get('/conversations?limit=7&fields=title,lastActivityAt');
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual(full.body.data.map((c: Record<string, unknown>) => ({ id: c.id, title: c.title, lastActivityAt: c.lastActivityAt })));
    expect(res.body.total).toBe(full.body.total);
    const onlyId = await h.get('/conversations?limit=2&fields=id');
    expect(onlyId.body.data.map((c: object) => Object.keys(c))).toEqual([['id'], ['id']]);
  });

  it('messages and raw still need their include', async () => {
    const without = await h.get('/conversations?limit=2&fields=messages,raw');
    expect(without.body.data.map((c: object) => Object.keys(c))).toEqual([['id'], ['id']]);
    const withIt = await h.get('/conversations?limit=2&fields=messages&include=messages');
    expect(withIt.body.data.map((c: object) => Object.keys(c))).toEqual([['id', 'messages'], ['id', 'messages']]);
  });

  it('a cursor keeps the selection to the end of the walk, and refuses a new one beside it', async () => {
    const ids: string[] = [];
    let res = await h.get('/conversations?limit=10&fields=createdAt&orderBy=createdAt');
    for (;;) {
      expect(res.status).toBe(200);
      for (const c of res.body.data) expect(Object.keys(c)).toEqual(['id', 'createdAt']);
      ids.push(...res.body.data.map((c: { id: string }) => c.id));
      if (!res.body.nextCursor) break;
      res = await h.get(`/conversations?cursor=${encodeURIComponent(res.body.nextCursor)}`);
    }
    expect(ids).toHaveLength(25);
    const first = await h.get('/conversations?limit=10&fields=createdAt');
    const mixed = await h.get(`/conversations?cursor=${encodeURIComponent(first.body.nextCursor)}&fields=title`);
    expect(mixed.status).toBe(400);
    expect(mixed.body.invalidParams).toEqual([{ name: 'fields', reason: expect.stringMatching(/cannot be combined with cursor/) }]);
  });

  it('the ETag covers the trimmed page: the same selection is a 304, another one a new page', async () => {
    const a = await h.get('/conversations?limit=5&fields=title');
    expect((await h.get('/conversations?limit=5&fields=title', { 'if-none-match': a.headers.etag! })).status).toBe(304);
    const b = await h.get('/conversations?limit=5&fields=status', { 'if-none-match': a.headers.etag! });
    expect(b.status).toBe(200);
    expect(b.headers.etag).not.toBe(a.headers.etag);
  });

  it('unknown names are a 400 naming each of them, and an empty list is one too', async () => {
    const res = await h.get('/conversations?fields=id,colour,size');
    expect(res.status).toBe(400);
    expect(res.body.invalidParams).toEqual([{ name: 'fields', reason: expect.stringMatching(/^unknown fields: colour, size \(known: id, vendor, externalId, title/) }]);
    expect((await h.get('/conversations?fields=,')).body.invalidParams).toEqual([{ name: 'fields', reason: 'must not be empty' }]);
  });
});
