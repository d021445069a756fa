/** The typed client (@switchboard/client, from its source) against a running gateway: a page, a cursor walk, an error. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, SwitchboardError, SwitchboardWalkError, type ConversationList } from '@switchboard/client';
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
    expect(page.data.every((c) => c.vendor === 'siteassist' || c.vendor === 'superagentes')).toBe(true);
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

  it('fields= trims each item, and the page is typed by the names given', async () => {
    const page = await sb.listConversations({ fields: ['title', 'lastActivityAt'], limit: 3 });
    expect(page.data).toHaveLength(3);
    for (const c of page.data) expect(Object.keys(c).sort()).toEqual(['id', 'lastActivityAt', 'title']);
    // @ts-expect-error: not selected, so not in the item's type
    void page.data[0]?.channel;
    const title: string | null | undefined = page.data[0]?.title;
    expect(title === undefined).toBe(false);
  });

  it('gets one conversation by its unified id, whole or trimmed, and a missing one is a NOT_FOUND SwitchboardError', async () => {
    const [first] = (await sb.listConversations({ vendor: 'siteassist', limit: 1 })).data;
    const one = await sb.getConversation(first!.id);
    expect(one).toMatchObject({ object: 'conversation', data: first, source: { vendor: 'siteassist' } });
    const trimmed = await sb.getConversation(first!.id, { fields: ['title'] });
    expect(trimmed.data).toEqual({ id: first!.id, title: first!.title });
    const missing = await sb.getConversation('siteassist:no-such-conversation').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(SwitchboardError);
    expect(missing).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });

  it('reads /vendors, /healthz and /readyz', async () => {
    expect((await sb.vendors()).data.map((v) => v.name).sort()).toEqual(['siteassist', 'superagentes', 'uncodie']);
    expect(await sb.healthz()).toEqual({ status: 'ok' });
    expect(await sb.readyz()).toEqual({ status: 'ready', stateStore: 'memory' });
  });
});

describe('typed client: exact walks', () => {
  /** Every id of the default query, by offset, with no fault. */
  async function reference(): Promise<string[]> {
    const out: string[] = [];
    for (let offset = 0; ; offset += 100) {
      const p = await sb.listConversations({ limit: 100, offset });
      out.push(...p.data.map((c) => c.id));
      if (!p.hasMore) return out;
    }
  }
  const clear = () => {
    for (const s of h.sims.values()) s.fault = null;
    h.resetState();
  };

  it('the walker asks onVendorError=fail and retries a page a vendor failed, so every match comes once (no silent loss)', async () => {
    const want = await reference();
    const waits: number[] = [];
    const pages: ConversationList[] = [];
    const walk = sb.walkConversations({ limit: 50 }, {
      minDelayMs: 10,
      // A vendor fails the third page once: the walker waits, the fault has passed, the same cursor is retried.
      sleep: async (ms) => {
        waits.push(ms);
        clear();
      },
    });
    for await (const page of walk) {
      pages.push(page);
      if (pages.length === 2) h.sims.get('siteassist')!.fault = { kind: 'internal' };
    }
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeLessThanOrEqual(10);
    expect(pages.every((p) => !p.partial)).toBe(true);
    expect(pages.flatMap((p) => p.data.map((c) => c.id))).toEqual(want);
  });

  it("waits what a rate-limited vendor's Retry-After says before retrying", async () => {
    const waits: number[] = [];
    let n = 0;
    for await (const _ of sb.walkConversations({ limit: 100 }, { sleep: async (ms) => { waits.push(ms); clear(); } })) {
      if (++n === 1) h.sims.get('siteassist')!.fault = { kind: 'rateLimit', retryAfter: 9 };
    }
    expect(waits).toEqual([9000]);
  });

  it('gives up with a SwitchboardWalkError that carries the cursor to resume from, and resuming completes the walk', async () => {
    const want = await reference();
    const got: string[] = [];
    const waits: number[] = [];
    let err: unknown;
    try {
      for await (const page of sb.walkConversations({ limit: 50 }, { retries: 2, minDelayMs: 4, sleep: async (ms) => void waits.push(ms) })) {
        got.push(...page.data.map((c) => c.id));
        if (got.length === 100) h.sims.get('superagentes')!.fault = { kind: 'internal' };
      }
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SwitchboardWalkError);
    const e = err as SwitchboardWalkError;
    expect(e).toBeInstanceOf(SwitchboardError);
    expect(e).toMatchObject({ status: 502, code: 'UPSTREAM_ERROR', attempts: 3, pages: 2 });
    expect(e.message).toMatch(/^walk stopped after 2 pages \(gave up after 3 attempts\): UPSTREAM_ERROR: onVendorError=fail/);
    expect(e.problem?.errors?.map((x) => x.vendor)).toEqual(['superagentes']);
    // Full jitter under a doubling ceiling.
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBeLessThanOrEqual(4);
    expect(waits[1]).toBeLessThanOrEqual(8);
    clear();
    for await (const page of sb.walkConversations({ cursor: e.cursor!, limit: 50 })) got.push(...page.data.map((c) => c.id));
    expect(got).toEqual(want);
  });

  it('does not retry what a retry cannot fix: an invalid request fails at once', async () => {
    const walk = sb.walkConversations({ orderBy: 'title' as never }, { sleep: async () => expect.fail('no retry') });
    const err = await walk.next().catch((x: unknown) => x);
    expect(err).toBeInstanceOf(SwitchboardWalkError);
    expect(err).toMatchObject({ status: 400, code: 'INVALID_REQUEST', attempts: 1, pages: 0, cursor: null });
  });
});
