/**
 * The mirror store, the same suite on SQLite (a file, and :memory:) and on a real PostgreSQL: one query
 * layer, so both must answer alike.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMirrorDb } from '../../src/mirror/store/connect.js';
import { LeaseLost, MirrorStore, type RowInput } from '../../src/mirror/store/mirror-store.js';
import { reportPostgresSkip, scratchDatabase, testPostgresUrl } from '../helpers/postgres.js';

const pgUrl = await testPostgresUrl();
if (!pgUrl) reportPostgresSkip('test/mirror/store.test.ts');

const T0 = Date.UTC(2024, 0, 1);

function row(n: number, over: Partial<RowInput> = {}): RowInput {
  const t = T0 + n * 1000;
  return {
    id: `acme:${String(n).padStart(4, '0')}`,
    times: { createdAt: t, updatedAt: n % 5 === 0 ? null : t + 10, lastActivityAt: T0 + (n % 7) * 1000 },
    status: n % 3 === 0 ? 'closed' : 'open',
    channel: n % 2 === 0 ? 'web' : 'mail',
    agentId: `agent-${n % 4}`,
    leadId: `lead-${n % 3}`,
    visitorId: null,
    userId: null,
    search: `conversation ${n} ${n % 10 === 0 ? 'refund 100%_off' : 'hello'}`,
    doc: JSON.stringify({ id: `acme:${n}`, n }),
    extra: null,
    raw: null,
    hash: `h${n}`,
    ...over,
  };
}

/** The reference: the same rows filtered and sorted in plain TypeScript, nulls last, ties by id. */
function reference(rows: RowInput[], field: 'lastActivityAt' | 'createdAt' | 'updatedAt', dir: 'asc' | 'desc'): string[] {
  const sign = dir === 'asc' ? 1 : -1;
  return [...rows]
    .sort((a, b) => {
      const x = a.times[field];
      const y = b.times[field];
      if (x !== y) return x === null ? 1 : y === null ? -1 : (x - y) * sign;
      return (a.id < b.id ? -1 : 1) * sign;
    })
    .map((r) => r.id);
}

const targets: { name: string; open: () => Promise<{ url: string; dir: string; done(): Promise<void> }> }[] = [
  {
    name: 'sqlite file',
    open: async () => {
      const dir = await mkdtemp(join(tmpdir(), 'sb-mirror-'));
      return { url: 'sqlite', dir, done: () => rm(dir, { recursive: true, force: true }) };
    },
  },
  { name: 'sqlite :memory:', open: async () => ({ url: 'sqlite::memory:', dir: tmpdir(), done: async () => undefined }) },
  ...(pgUrl
    ? [
        {
          name: 'postgres',
          open: async () => {
            const db = await scratchDatabase(pgUrl);
            return { url: db.url, dir: tmpdir(), done: () => db.drop() };
          },
        },
      ]
    : []),
];

describe.each(targets)('mirror store on $name', ({ name, open }) => {
  let store: MirrorStore;
  let done: () => Promise<void>;
  let dir: string;
  let url: string;
  const rows = Array.from({ length: 120 }, (_, i) => row(i));
  beforeAll(async () => {
    ({ url, dir, done } = await open());
    store = new MirrorStore(await openMirrorDb(url, dir));
  });
  afterAll(async () => {
    await store?.close();
    await done?.();
  });

  it('runs its migrations once: opening the same store again finds the schema current', async () => {
    if (url === 'sqlite::memory:') return; // a new :memory: database each time
    const again = new MirrorStore(await openMirrorDb(url, dir));
    expect(await again.list()).toEqual(await store.list());
    await again.close();
  });

  it('keeps the SQLite file (and its WAL) readable by its owner only', async () => {
    if (name !== 'sqlite file') return;
    const m = await store.ensure('perm', 'i', 'm', 'http://perm', T0);
    await store.write(m.id, [row(1)], { now: T0 });
    for (const f of ['mirror.sqlite', 'mirror.sqlite-wal']) {
      const s = await stat(join(dir, f));
      expect((s.mode & 0o777).toString(8), f).toBe('600');
    }
    expect(((await stat(dir)).mode & 0o777).toString(8)).toBe('700');
  });

  it('makes one mirror per vendor, identity and mapping', async () => {
    const a = await store.ensure('acme', 'id-1', 'map-1', 'http://acme', T0);
    const again = await store.ensure('acme', 'id-1', 'map-1', 'http://acme', T0 + 5);
    const other = await store.ensure('acme', 'id-2', 'map-1', 'http://acme', T0);
    expect(again.id).toBe(a.id);
    expect(other.id).not.toBe(a.id);
    expect(a).toMatchObject({ vendor: 'acme', ready: false, rev: 0, rows: 0, syncedAt: null, run: null });
    expect(await store.find('acme', 'id-1', 'map-1')).toMatchObject({ id: a.id });
    expect(await store.find('acme', 'id-3', 'map-1')).toBeNull();
  });

  it('pages in every order and direction, nulls last, by keyset from any key, as the reference does', async () => {
    const m = await store.ensure('acme', 'id-1', 'map-1', 'http://acme', T0);
    for (let i = 0; i < rows.length; i += 50) await store.write(m.id, rows.slice(i, i + 50), { now: T0, runId: 1 });
    const meta = (await store.meta(m.id))!;
    expect(meta.rows).toBe(120);
    for (const field of ['lastActivityAt', 'createdAt', 'updatedAt'] as const) {
      for (const dir of ['asc', 'desc'] as const) {
        const want = reference(rows, field, dir);
        // Walk by keyset in pages of 7.
        const got: string[] = [];
        let after: { time: number | null; id: string } | undefined;
        for (;;) {
          const page = await store.page(m.id, meta.rev, {}, field, dir, after, 7);
          got.push(...page.map((r) => r.id));
          if (page.length < 7) break;
          const last = page.at(-1)!;
          after = { time: field === 'createdAt' ? last.cr : field === 'updatedAt' ? last.up : last.la, id: last.id };
        }
        expect(got, `${field} ${dir}`).toEqual(want);
      }
    }
  });

  it('filters and counts with the API semantics (bounds, case, search escaping)', async () => {
    const m = (await store.find('acme', 'id-1', 'map-1'))!;
    const rev = m.rev;
    const ids = async (f: Parameters<MirrorStore['page']>[2]) => (await store.page(m.id, rev, f, 'createdAt', 'asc', undefined, 1000)).map((r) => r.id);
    const expectOf = (p: (r: RowInput) => boolean) => rows.filter(p).map((r) => r.id);
    const cases: [Parameters<MirrorStore['page']>[2], (r: RowInput) => boolean][] = [
      [{ status: 'closed' }, (r) => r.status === 'closed'],
      [{ channel: 'web', status: 'open' }, (r) => r.channel === 'web' && r.status === 'open'],
      [{ agentId: 'agent-2' }, (r) => r.agentId === 'agent-2'],
      [{ leadId: 'LEAD-1' }, (r) => r.leadId === 'lead-1'],
      [{ search: 'REFUND' }, (r) => r.search.includes('refund')],
      // % and _ are text, not wildcards.
      [{ search: '100%_off' }, (r) => r.search.includes('100%_off')],
      [{ search: '1%' }, () => false],
      [{ createdAfter: T0 + 50_000 }, (r) => r.times.createdAt! >= T0 + 50_000],
      [{ createdBefore: T0 + 50_000 }, (r) => r.times.createdAt! < T0 + 50_000],
      // A missing instant matches neither bound.
      [{ updatedAfter: T0 }, (r) => r.times.updatedAt !== null && r.times.updatedAt >= T0],
      [{ updatedBefore: T0 + 60_000 }, (r) => r.times.updatedAt !== null && r.times.updatedAt < T0 + 60_000],
    ];
    for (const [f, p] of cases) {
      expect(await ids(f), JSON.stringify(f)).toEqual(expectOf(p));
      expect(await store.count(m.id, rev, f), JSON.stringify(f)).toBe(expectOf(p).length);
    }
  });

  it('versions changes: a snapshot reads what it read before, the current revision the new state', async () => {
    const m = (await store.find('acme', 'id-1', 'map-1'))!;
    const before = m.rev;
    const first = async (rev: number) => (await store.page(m.id, rev, {}, 'lastActivityAt', 'desc', undefined, 1))[0]!;
    const top = await first(before);
    // Unchanged rows make no revision; a changed one does.
    expect((await store.write(m.id, [rows[3]!], { now: T0 + 1 })).changed).toBe(0);
    expect((await store.meta(m.id))!.rev).toBe(before);
    const moved = { ...rows[3]!, hash: 'changed', times: { ...rows[3]!.times, lastActivityAt: T0 + 999_999 }, doc: '{"moved":true}' };
    expect(await store.write(m.id, [moved, row(500)], { now: T0 + 2 })).toEqual({ changed: 2, added: 1 });
    const after = (await store.meta(m.id))!;
    expect(after.rev).toBe(before + 1);
    expect(after.rows).toBe(121);
    expect((await first(before)).id).toBe(top.id);
    expect(await first(after.rev)).toMatchObject({ id: moved.id });
    // Each revision reads its own version of the conversation's shape.
    expect((await store.shapes(m.id, after.rev, [moved.id], { extra: false, raw: false })).get(moved.id)).toEqual({ doc: '{"moved":true}', extra: null, raw: null });
    expect((await store.shapes(m.id, before, [moved.id], { extra: true, raw: true })).get(moved.id)!.doc).toBe(rows[3]!.doc);
    expect(await store.count(m.id, before, {})).toBe(120);
    expect(await store.count(m.id, after.rev, {})).toBe(121);
  });

  it('reads one conversation by id as of a revision (its keys, its shape, include-only parts only when asked)', async () => {
    const m = await store.ensure('byid', 'i', 'm', 'http://byid', T0);
    const one = row(7, { extra: '{"messages":[]}', raw: '{"id":"7"}' });
    await store.write(m.id, [one, row(8)], { now: T0 });
    const rev = (await store.meta(m.id))!.rev;
    expect(await store.row(m.id, rev, one.id, { extra: true, raw: true })).toEqual({
      id: one.id, la: one.times.lastActivityAt, cr: one.times.createdAt, up: one.times.updatedAt,
      leadId: one.leadId, visitorId: null, userId: null, doc: one.doc, extra: '{"messages":[]}', raw: '{"id":"7"}',
    });
    expect(await store.row(m.id, rev, one.id, { extra: false, raw: false })).toMatchObject({ doc: one.doc, extra: null, raw: null });
    // A null instant comes back as null, not as the sort sentinel.
    expect((await store.row(m.id, rev, row(10).id, { extra: false, raw: false }))).toBeNull();
    await store.write(m.id, [row(10)], { now: T0 + 1 });
    const later = (await store.meta(m.id))!.rev;
    expect((await store.row(m.id, later, row(10).id, { extra: false, raw: false }))!.up).toBeNull();
    // A changed conversation: each revision reads its own version; another mirror's id is not found.
    await store.write(m.id, [{ ...one, hash: 'changed', doc: '{"changed":true}' }], { now: T0 + 2 });
    const now = (await store.meta(m.id))!.rev;
    expect((await store.row(m.id, rev, one.id, { extra: false, raw: false }))!.doc).toBe(one.doc);
    expect((await store.row(m.id, now, one.id, { extra: false, raw: false }))!.doc).toBe('{"changed":true}');
    const other = await store.ensure('byid-other', 'i', 'm', 'http://other', T0);
    expect(await store.row(other.id, now, one.id, { extra: false, raw: false })).toBeNull();
  });

  it('a full read that is sure removes what it did not see; one that is not needs two misses', async () => {
    const m = await store.ensure('recon', 'i', 'm', 'http://recon', T0);
    const base = Array.from({ length: 30 }, (_, i) => row(i));
    await store.write(m.id, base, { now: T0, runId: 1 });
    await store.finishFull(m.id, { id: 1, startedAt: T0, firstTotal: 30, lastTotal: 30, calls: 1, items: 30, changed: 30 }, { now: T0, expected: 30 });
    expect(await store.meta(m.id)).toMatchObject({ ready: true, rows: 30, syncedAt: T0 });
    // Run 2 sees 28 of 30 and the vendor's total held at 28: sure, 2 removed.
    await store.write(m.id, base.slice(0, 28), { now: T0 + 100, runId: 2 });
    expect(await store.finishFull(m.id, { id: 2, startedAt: T0 + 100, firstTotal: 28, lastTotal: 28, calls: 1, items: 28, changed: 0 }, { now: T0 + 200, expected: 28 })).toEqual({ deleted: 2, sure: true });
    // Run 3 sees 25 but the total moved: not sure, nothing removed yet; run 4 misses them again: removed.
    await store.write(m.id, base.slice(0, 25), { now: T0 + 300, runId: 3 });
    expect(await store.finishFull(m.id, { id: 3, startedAt: T0 + 300, firstTotal: 28, lastTotal: 25, calls: 1, items: 25, changed: 0 }, { now: T0 + 400, expected: null })).toEqual({ deleted: 0, sure: false });
    expect((await store.meta(m.id))!.rows).toBe(28);
    await store.write(m.id, base.slice(0, 25), { now: T0 + 500, runId: 4 });
    expect((await store.finishFull(m.id, { id: 4, startedAt: T0 + 500, firstTotal: null, lastTotal: null, calls: 1, items: 25, changed: 0 }, { now: T0 + 600 })).deleted).toBe(3);
    // A row another pass saw after the read began is kept, seen or not by the read.
    await store.write(m.id, [row(900)], { now: T0 + 750 });
    await store.write(m.id, base.slice(0, 25), { now: T0 + 700, runId: 5 });
    expect((await store.finishFull(m.id, { id: 5, startedAt: T0 + 700, firstTotal: 25, lastTotal: 25, calls: 1, items: 25, changed: 0 }, { now: T0 + 800, complete: true })).deleted).toBe(0);
    // A read that would empty most of the copy at once is not believed the first time.
    await store.write(m.id, [row(0)], { now: T0 + 900, runId: 6 });
    expect(await store.finishFull(m.id, { id: 6, startedAt: T0 + 900, firstTotal: 1, lastTotal: 1, calls: 1, items: 1, changed: 0 }, { now: T0 + 1000, complete: true })).toEqual({ deleted: 0, sure: false });
    expect((await store.meta(m.id))!.rows).toBe(26);
  });

  it('syncedAt and high-water marks only move forward', async () => {
    const m = await store.ensure('marks', 'i', 'm', 'http://marks', T0);
    await store.patch(m.id, { syncedAt: T0 + 10, hwmUpdated: 50, hwmCreated: 40 });
    await store.patch(m.id, { syncedAt: T0 + 5, hwmUpdated: 20, hwmCreated: null });
    expect(await store.meta(m.id)).toMatchObject({ syncedAt: T0 + 10, hwmUpdated: 50, hwmCreated: 40 });
  });

  it('one holder at a time holds a lease; it expires; a fenced write from a lost lease is refused', async () => {
    expect(await store.lease('sync:x', 'a', 1000, T0)).toBe(true);
    expect(await store.lease('sync:x', 'b', 1000, T0 + 500)).toBe(false);
    expect(await store.lease('sync:x', 'a', 1000, T0 + 900)).toBe(true); // renewed to T0 + 1900
    expect(await store.lease('sync:x', 'b', 1000, T0 + 1500)).toBe(false);
    expect(await store.lease('sync:x', 'b', 1000, T0 + 1901)).toBe(true);
    expect(await store.leaseHolder('sync:x')).toEqual({ holder: 'b', expiresAt: T0 + 2901 });
    const m = await store.ensure('fenced', 'i', 'm', 'http://f', T0);
    await expect(store.write(m.id, [row(1)], { now: T0 + 2000, fence: { lease: 'sync:x', holder: 'a', now: T0 + 2000 } })).rejects.toBeInstanceOf(LeaseLost);
    expect((await store.meta(m.id))!.rows).toBe(0);
    await store.write(m.id, [row(1)], { now: T0 + 2000, fence: { lease: 'sync:x', holder: 'b', now: T0 + 2000 } });
    expect((await store.meta(m.id))!.rows).toBe(1);
    await store.releaseLease('sync:x', 'b');
    expect(await store.leaseHolder('sync:x')).toBeNull();
  });

  it('collects versions no cursor can read any more, and drops a mirror whole', async () => {
    const m = await store.ensure('gc', 'i', 'm', 'http://gc', T0);
    await store.write(m.id, [row(1)], { now: T0 });
    const r1 = (await store.meta(m.id))!.rev;
    await store.write(m.id, [{ ...row(1), hash: 'v2' }], { now: T0 + 10_000 });
    await store.write(m.id, [{ ...row(1), hash: 'v3' }], { now: T0 + 20_000 });
    // Kept for 15 s: the version replaced at T0 + 10 s is still readable by a cursor issued at T0 + 1 s.
    expect(await store.collect(m.id, T0 + 16_000, 15_000)).toBe(0);
    expect(await store.count(m.id, r1, {})).toBe(1);
    expect(await store.collect(m.id, T0 + 40_000, 15_000)).toBe(2);
    expect((await store.meta(m.id))!.minRev).toBe(r1 + 2);
    expect(await store.count(m.id, r1 + 2, {})).toBe(1);
    expect(await store.drop(m.id)).toBe(1);
    expect(await store.meta(m.id)).toBeNull();
  });
});
