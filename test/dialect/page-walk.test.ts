/**
 * A vendor whose paging loops fails at once with UPSTREAM_INVALID_RESPONSE, in every reader that pages: a
 * lazy read, a whole read and the mirror's full read. It used to be called without end (13,691 calls in
 * 5 s for one request). Two ways to loop: handing back a next cursor it sent before, and ignoring where we
 * asked it to go on (every page the same).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorModule } from '../../sim/kit.js';
import { cursorlySimulator } from '../dialects/cursorly.js';
import { DIALECT_VENDORS, SEED_VENDORS, startHarness, type Harness } from '../helpers/harness.js';

const cursorly = DIALECT_VENDORS.find((v) => v.name === 'cursorly')!;
const uncodie = SEED_VENDORS.find((v) => v.name === 'uncodie')!;

/**
 * Cursorly, except that every page says the same next cursor (the first one it gave) while its items move
 * on, call after call: only the token betrays the loop.
 */
const stuckCursor: SimulatorModule = {
  ...cursorlySimulator,
  behaviour(creds) {
    const real = cursorlySimulator.behaviour(creds);
    let calls = 0;
    let first: string | null = null;
    return {
      ...real,
      handle(req, data) {
        // Call n answers with the vendor's real page n, reached by walking its real cursors from the top.
        const q = new URLSearchParams(req.query);
        q.delete('starting_after');
        let r = real.handle({ ...req, query: q }, data);
        for (let i = 0; i < calls; i++) {
          q.set('starting_after', (r.body as { next_cursor: string }).next_cursor);
          r = real.handle({ ...req, query: q }, data);
        }
        calls++;
        const body = r.body as { next_cursor: string | null };
        first ??= body.next_cursor;
        return { ...r, body: { ...body, next_cursor: first } };
      },
    };
  },
};

describe('live reads', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      vendors: [uncodie, cursorly],
      data: { cursorly: cursorlySimulator.demoData(4, 400) },
    });
  });
  afterEach(() => {
    for (const sim of h.sims.values()) sim.fault = null;
    h.resetState();
  });
  afterAll(async () => h?.close());

  it('a lazily read vendor that answers every page as the first (same items, same next cursor) fails at its second call', async () => {
    const sim = h.sims.get('cursorly')!;
    sim.fault = { kind: 'loopCursor' };
    sim.calls.length = 0;
    // 142 items deep, 100 a page: a second page is needed.
    const res = await h.get('/conversations?vendor=cursorly&limit=40&offset=100');
    expect(res.status).toBe(502);
    expect(res.body.errors[0]).toMatchObject({ vendor: 'cursorly', code: 'UPSTREAM_INVALID_RESPONSE', message: expect.stringMatching(/^page 2 of cursorly brought nothing new/) });
    expect(sim.calls).toHaveLength(2);
  });

  it('a vendor read whole that ignores the offset (every page the first) fails instead of answering one page three times over', async () => {
    const sim = h.sims.get('uncodie')!;
    sim.fault = { kind: 'loopCursor' };
    sim.calls.length = 0;
    const res = await h.get('/conversations?vendor=cursorly,uncodie&limit=5&orderBy=createdAt');
    expect(res.status).toBe(200);
    const source = res.body.sources.find((s: { vendor: string }) => s.vendor === 'uncodie');
    expect(source).toMatchObject({ status: 'error', error: { code: 'UPSTREAM_INVALID_RESPONSE', message: expect.stringMatching(/brought nothing new/) } });
    // The first page, then the two its total says are left (asked at once).
    expect(sim.calls.length).toBeLessThanOrEqual(3);
  });
});

describe('a next cursor sent twice', () => {
  it('fails a lazy read before the repeated token is asked for, though each page brought new items', async () => {
    const h = await startHarness({ vendors: [{ ...cursorly, module: stuckCursor }], data: { cursorly: cursorlySimulator.demoData(5, 400) } });
    try {
      // 252 items deep, 100 a page: the first page brings a cursor, the second new items and that same cursor.
      const res = await h.get('/conversations?limit=100&offset=150');
      expect(res.status).toBe(502);
      expect(res.body.errors[0]).toMatchObject({ vendor: 'cursorly', code: 'UPSTREAM_INVALID_RESPONSE', message: expect.stringMatching(/^cursorly sent a next-page token it had sent before \(after 2 pages\)/) });
      expect(h.sims.get('cursorly')!.calls).toHaveLength(2);
    } finally {
      await h.close();
    }
  });
});

describe("the mirror's sync", () => {
  it('fails its full read of a vendor that ignores the offset, after two calls, and says why', async () => {
    const h = await startHarness({ vendors: [uncodie], mirrors: {}, faults: { uncodie: { kind: 'loopCursor' } } });
    try {
      const sim = h.sims.get('uncodie')!;
      let mirror: any;
      for (let i = 0; i < 200 && !mirror?.lastSync?.error; i++) {
        await new Promise((r) => setTimeout(r, 10));
        mirror = (await h.get('/vendors')).body.data[0].mirror;
      }
      expect(mirror).toMatchObject({ state: 'error', lastSync: { kind: 'full', calls: 2, error: { code: 'UPSTREAM_INVALID_RESPONSE', message: expect.stringMatching(/^page 2 of uncodie brought nothing new/) } } });
      expect(sim.calls.length).toBeLessThanOrEqual(3);
    } finally {
      await h.close();
    }
  });
});
