/** The typed client (src/client) against a running gateway: a page, a cursor walk, an error. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, SwitchboardError, type Conversation } from '../../src/client/index.js';
import { startHarness, type Harness } from '../helpers/harness.js';

let h: Harness;
let sb: ReturnType<typeof createClient>;
beforeAll(async () => {
  h = await startHarness();
  sb = createClient({ baseUrl: h.url, headers: { 'x-request-id': 'client-test' } });
});
afterAll(async () => h?.close());

describe('typed client', () => {
  it('lists a page with typed parameters (lists, Dates, booleans)', async () => {
    const page = await sb.listConversations({ vendor: ['siteassist', 'superagentes'], orderBy: 'createdAt', orderDir: 'asc', createdAfter: new Date('2020-01-01T00:00:00Z'), limit: 5, explain: true });
    expect(page.object).toBe('list');
    expect(page.data).toHaveLength(5);
    expect(page.data.every((c: Conversation) => c.vendor === 'siteassist' || c.vendor === 'superagentes')).toBe(true);
    const created = page.data.map((c) => Date.parse(c.createdAt!));
    expect(created).toEqual([...created].sort((a, b) => a - b));
    expect(page.plan?.map((p) => p.vendor).sort()).toEqual(['siteassist', 'superagentes']);
    expect(page.sources.every((s) => s.status === 'ok')).toBe(true);
  });

  it('walks every page by cursor: each match once, in order', async () => {
    const pages = [];
    for await (const page of sb.walkConversations({ status: 'open', limit: 40 })) pages.push(page);
    const items = pages.flatMap((p) => p.data);
    expect(pages.length).toBeGreaterThan(2);
    expect(pages.at(-1)!.nextCursor).toBeNull();
    expect(new Set(items.map((c) => c.id)).size).toBe(items.length);
    expect(items.every((c) => c.status === 'open')).toBe(true);
    // The same matches as reading by offset, in the same order.
    const byOffset: string[] = [];
    for (let offset = 0; ; offset += 100) {
      const p = await sb.listConversations({ status: 'open', limit: 100, offset });
      byOffset.push(...p.data.map((c) => c.id));
      if (!p.hasMore) break;
    }
    expect(items.map((c) => c.id)).toEqual(byOffset);
  });

  it('throws SwitchboardError with the problem on an invalid request', async () => {
    const err = await sb.listConversations({ limit: 1000, orderBy: 'title' as never }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SwitchboardError);
    const e = err as SwitchboardError;
    expect(e.status).toBe(400);
    expect(e.code).toBe('INVALID_REQUEST');
    expect(e.problem?.requestId).toBe('client-test');
    expect(e.problem?.invalidParams?.map((p) => p.name).sort()).toEqual(['limit', 'orderBy']);
    const cursor = await sb.listConversations({ cursor: 'not-a-cursor' }).catch((x: SwitchboardError) => x);
    expect(cursor).toMatchObject({ status: 400, code: 'INVALID_CURSOR' });
  });

  it('reads /vendors, /healthz and /readyz', async () => {
    expect((await sb.vendors()).data.map((v) => v.name).sort()).toEqual(['siteassist', 'superagentes', 'uncodie']);
    expect(await sb.healthz()).toEqual({ status: 'ok' });
    expect(await sb.readyz()).toEqual({ status: 'ready', stateStore: 'memory' });
  });
});
