/**
 * A page mixing live and mirrored vendors sends its live calls before it reads the mirrors' state, so the
 * store's answer overlaps the vendor's instead of adding to the page's time. Shown without timing: the
 * store's `mirrors` table is locked by another session, and the live vendor must be called while the
 * request still waits for it.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { SEED_VENDORS, startHarness, type Harness } from '../helpers/harness.js';
import { reportPostgresSkip, scratchDatabase, testPostgresUrl } from '../helpers/postgres.js';
import { eventually } from '../helpers/wait.js';

const pgUrl = await testPostgresUrl();
if (!pgUrl) reportPostgresSkip('test/mirror/live-first.test.ts');

const seed = (name: string) => SEED_VENDORS.find((v) => v.name === name)!;
const demo = (name: string, n: number) => seed(name).module.demoData(5, n);

let h: Harness | undefined;
let drop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await h?.close();
  await drop?.();
  h = undefined;
  drop = undefined;
});

/**
 * Runs `f` while another session holds the mirror store's `mirrors` table locked (no reader gets past it).
 * What `f` starts must be returned wrapped: a returned promise would be awaited under the lock.
 */
async function whileLocked<T>(url: string, f: () => Promise<T>): Promise<T> {
  const lock = new pg.Client({ connectionString: url });
  await lock.connect();
  try {
    await lock.query('begin');
    await lock.query('lock table mirrors in access exclusive mode');
    const out = await f();
    await lock.query('commit');
    return out;
  } finally {
    await lock.query('rollback').catch(() => undefined);
    await lock.end();
  }
}

describe.skipIf(!pgUrl)('live calls before the mirror store', () => {
  it('calls the live vendor while the mirror store has not answered yet, then merges both', async () => {
    const db = await scratchDatabase(pgUrl!);
    drop = db.drop;
    h = await startHarness({ mirrors: { store: db.url }, data: { uncodie: demo('uncodie', 30), superagentes: demo('superagentes', 20), siteassist: demo('siteassist', 25) } });
    await h.mirrorsReady();
    const before = await h.get('/conversations?limit=8');
    expect(before.body.sources.map((s: { vendor: string; mode: string }) => `${s.vendor}:${s.mode}`).sort()).toEqual(['siteassist:live', 'superagentes:mirror', 'uncodie:mirror']);

    const live = h.sims.get('siteassist')!;
    live.calls.length = 0;
    let answered = false;
    const { pending } = await whileLocked(db.url, async () => {
      const p = h!.get('/conversations?limit=8').finally(() => (answered = true));
      await eventually(() => live.calls.length > 0, 10_000);
      // The vendor was called, and the page still waits for the store.
      expect(live.calls.length).toBe(1);
      expect(answered).toBe(false);
      return { pending: p };
    });
    {
      const page = await pending;
      expect(page.status).toBe(200);
      expect(page.body.data).toEqual(before.body.data);
      expect(page.body.total).toBe(75);
      expect(page.body.sources.find((s: { vendor: string }) => s.vendor === 'siteassist')).toMatchObject({ mode: 'live', calls: 1, status: 'ok' });
      expect(live.calls.length).toBe(1);
    }
  });

  it('refuses a query only a mirrored vendor makes invalid as one plan of every vendor would, and abandons the live call it sent', async () => {
    const db = await scratchDatabase(pgUrl!);
    drop = db.drop;
    h = await startHarness({ mirrors: { store: db.url }, data: { uncodie: demo('uncodie', 10), superagentes: demo('superagentes', 10), siteassist: demo('siteassist', 10) } });
    await h.mirrorsReady();
    // SiteAssist (live) pushes status; Uncodie (mirrored) can't evaluate it at all: strict=true refuses the
    // query, but only once Uncodie's mirror state is read, after SiteAssist's call went out.
    const live = h.sims.get('siteassist')!;
    live.fault = { kind: 'slow', ms: 30_000 };
    live.calls.length = 0;
    const hangups = live.hangups;
    const { pending } = await whileLocked(db.url, async () => {
      const p = h!.get('/conversations?strict=true&status=open');
      await eventually(() => live.calls.length > 0, 10_000);
      return { pending: p };
    });
    const r = await pending;
    expect(r.status).toBe(400);
    expect(r.body.invalidParams).toEqual([{ name: 'status', reason: "vendor uncodie can't evaluate it (strict=true)" }]);
    // The call it sent is given up with the request (the vendor sees the connection close), not awaited.
    expect(live.calls.length).toBe(1);
    await eventually(() => live.hangups > hangups, 10_000);
    expect(live.hangups).toBe(hangups + 1);
    live.fault = null;

    // Refusals from both groups come in the one plan's order: each vendor's in config order, then strict's.
    const both = await h.get('/conversations?strict=true&leadId=abc');
    expect(both.status).toBe(400);
    expect(both.body.invalidParams).toEqual([
      { name: 'leadId', reason: 'must be a UUID (version 1-5, RFC 4122 variant) (required by vendor uncodie)' },
      { name: 'leadId', reason: "vendor siteassist can't evaluate it (strict=true)" },
      { name: 'leadId', reason: "vendor superagentes can't evaluate it (strict=true)" },
    ]);
  });
});
