/**
 * The sync engine against the vendor simulators over real HTTP, on a manual clock: which kind of pass makes
 * an insert, an update and a deletion show, a full read resumed after a restart, and the outbound budget.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { generateConversations, type CanonicalConversation } from '../../sim/canonical.js';
import { SyncFailure } from '../../src/mirror/sync.js';
import { budgetKey } from '../../src/upstream/guard.js';
import { DIALECT_VENDORS, SEED_VENDORS, type VendorUnderTest } from '../helpers/harness.js';
import { mirrorRig, type Rig } from './rig.js';

const vendor = (name: string): VendorUnderTest => [...SEED_VENDORS, ...DIALECT_VENDORS].find((v) => v.name === name)!;
const dataOf = (name: string, count: number) => vendor(name).module.demoData(7, count);

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

/** What the copy says of one conversation (null: not there). */
async function stored(r: Rig, id: string): Promise<Record<string, unknown> | null> {
  const row = (await r.rows()).find((x) => x.id === `${r.vendor.name}:${id}`);
  return row ? (JSON.parse(row.doc) as Record<string, unknown>) : null;
}

/** A new conversation, created after every other, and an edit to an old one the vendor's first page doesn't show. */
function changes(data: CanonicalConversation[]) {
  const newest = Math.max(...data.map((c) => c.createdAt));
  const added: CanonicalConversation = { ...structuredClone(data[0]!), id: `${data[0]!.id}-new`, createdAt: newest + 60_000, updatedAt: newest + 60_000, lastActivityAt: newest + 60_000 };
  const oldest = [...data].sort((a, b) => a.createdAt - b.createdAt)[0]!;
  const edited: CanonicalConversation = { ...structuredClone(oldest), title: 'edited', updatedAt: newest + 120_000, lastActivityAt: newest + 120_000 };
  const removed = [...data].sort((a, b) => a.createdAt - b.createdAt)[1]!;
  const next = [...data.filter((c) => c !== oldest && c !== removed), edited, added];
  return { added, edited, removed, next };
}

describe('mirror sync', () => {
  it('head (Uncodie: newest first, unpromised): a new conversation shows after a head pass; an edit and a deletion after a full read', async () => {
    const data = dataOf('uncodie', 250);
    rig = await mirrorRig(vendor('uncodie'), data);
    const first = await rig.full();
    expect(first).toMatchObject({ kind: 'full', calls: 3, items: 250, changed: 250, deleted: 0, error: null });
    expect(await rig.meta()).toMatchObject({ ready: true, rows: 250, run: null });
    const { added, edited, removed, next } = changes(data);
    rig.sim.data = next;

    const head = await rig.frequent();
    expect(head).toMatchObject({ kind: 'head', calls: 1, items: 100, error: null });
    expect(await stored(rig, added.id)).toMatchObject({ title: added.title });
    expect((await stored(rig, edited.id))!.title).not.toBe('edited');
    expect(await stored(rig, removed.id)).not.toBeNull();

    rig.clock.t += 1000;
    const full = await rig.full();
    expect(full).toMatchObject({ kind: 'full', deleted: 1, error: null });
    expect((await stored(rig, edited.id))!.title).toBe('edited');
    expect(await stored(rig, removed.id)).toBeNull();
    expect((await rig.meta()).rows).toBe(250);
  });

  it('head (Superagentes: created after the mark): asks only for what is new; a full read brings edits and deletions', async () => {
    const data = dataOf('superagentes', 120);
    rig = await mirrorRig(vendor('superagentes'), data);
    await rig.full();
    const hwm = (await rig.meta()).hwmCreated!;
    expect(hwm).toBe(Math.max(...data.map((c) => c.createdAt)));
    const { added, edited, removed, next } = changes(data);
    rig.sim.data = next;
    rig.sim.calls.length = 0;
    const head = await rig.frequent();
    // startDate = the mark minus the overlap, and every message (what a search over the copy needs).
    const q = rig.sim.calls[0]!.query;
    expect(Date.parse(q.get('startDate')!)).toBe(hwm - rig.vendor.mirror.overlapMs);
    expect(q.get('fullConversation')).toBe('true');
    expect(head.items).toBeLessThan(5);
    expect(await stored(rig, added.id)).not.toBeNull();
    expect((await stored(rig, edited.id))!.title).not.toBe('edited');
    rig.clock.t += 1000;
    expect(await rig.full()).toMatchObject({ deleted: 1, error: null });
    expect((await stored(rig, edited.id))!.title).toBe('edited');
    expect(await stored(rig, removed.id)).toBeNull();
  });

  it('incremental (a vendor that orders by update time): edits and new conversations after one short pass; deletions only after a full read', async () => {
    const data = generateConversations({ seed: 5, count: 260, idPrefix: 'cur' });
    rig = await mirrorRig(vendor('cursorly'), data, { edit: (v) => (v.mirror = { every: '10s', reconcileEvery: '1h' }) });
    expect(rig.vendor.mirror).toMatchObject({ strategy: 'incremental', frequent: { kind: 'changes', via: 'order', field: 'updatedAt' } });
    await rig.full();
    const syncedBefore = (await rig.meta()).syncedAt!;
    const { added, edited, removed, next } = changes(data);
    rig.sim.data = next;
    rig.clock.t += 5_000;
    const pass = await rig.frequent();
    // Newest-updated first: the first page passes the mark, so one call is enough.
    expect(pass).toMatchObject({ kind: 'incremental', calls: 1, error: null });
    expect((await stored(rig, edited.id))!.title).toBe('edited');
    expect(await stored(rig, added.id)).not.toBeNull();
    expect(await stored(rig, removed.id)).not.toBeNull(); // an incremental pass never deletes
    // It saw every change since its mark: the copy is complete as of its start.
    expect((await rig.meta()).syncedAt).toBe(pass.startedAt);
    expect(pass.startedAt).toBeGreaterThan(syncedBefore);
    rig.clock.t += 1000;
    expect(await rig.full()).toMatchObject({ deleted: 1 });
    expect(await stored(rig, removed.id)).toBeNull();
  });

  it('a full read stopped mid-way (the process died) resumes from its last checkpoint after a restart', async () => {
    const data = dataOf('uncodie', 450);
    rig = await mirrorRig(vendor('uncodie'), data);
    const stop = new AbortController();
    const r = rig;
    r.sim.calls.length = 0;
    // The process "dies" once two pages are written.
    const watch = setInterval(() => {
      if (r.sim.calls.length >= 3) stop.abort(new Error('killed'));
    }, 0);
    await expect(r.full(stop.signal)).rejects.toBeInstanceOf(SyncFailure);
    clearInterval(watch);
    const mid = await r.meta();
    expect(mid.ready).toBe(false);
    expect(mid.run).toMatchObject({ id: 1 });
    const resumeAt = Number(mid.run!.token);
    expect(resumeAt).toBeGreaterThanOrEqual(200);
    expect(mid.rows).toBe(resumeAt);

    await r.reopen();
    r.sim.calls.length = 0;
    const done = await r.full();
    expect(done).toMatchObject({ resumed: true, error: null, deleted: 0 });
    // It went on from the checkpoint: no page before it was asked again.
    expect(r.sim.calls.map((c) => Number(c.query.get('offset')))).toEqual([100, 200, 300, 400].filter((o) => o >= resumeAt));
    expect(await r.meta()).toMatchObject({ ready: true, rows: 450, run: null });
    expect((await r.rows()).map((x) => x.id).sort()).toEqual(data.map((c) => `uncodie:${c.id}`).sort());
  });

  it('spends only what live requests leave of the outbound budget, and waits for it', async () => {
    const data = dataOf('uncodie', 3000);
    rig = await mirrorRig(vendor('uncodie'), data, { env: { UNCODIE_RATE_PER_MINUTE: '20', UNCODIE_RATE_BURST: '20' } });
    const r = rig;
    const live = { asked: 0, granted: 0 };
    // Live traffic: a request every third time the sync waits (a third of the rate), from the same bucket, no reserve.
    let sleeps = 0;
    r.clock.onSleep = () => {
      if (++sleeps % 3 !== 0) return;
      void r.state.take(budgetKey(r.vendor), { ratePerSec: 20 / 60, burst: 20, maxWaitMs: 0 }, r.clock.now()).then((t) => {
        live.asked++;
        if (t.granted) live.granted++;
      });
    };
    const t0 = r.clock.now();
    const report = await r.full();
    expect(report).toMatchObject({ calls: 30, items: 3000, error: null });
    const reserve = Math.floor(20 * r.vendor.mirror.reserve);
    // By any moment t the sync made at most the burst less the reserve, plus what the rate refilled.
    r.callTimes.forEach((at, i) => expect(i + 1).toBeLessThanOrEqual(20 - reserve + Math.floor(((at - t0) / 60_000) * 20) + 1));
    expect(r.clock.now() - t0).toBeGreaterThanOrEqual(((30 - (20 - reserve)) / 20) * 60_000 - 3_000);
    // Every live request found a token.
    expect(live.asked).toBeGreaterThan(0);
    expect(live.granted).toBe(live.asked);
  });
});
