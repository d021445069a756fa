/**
 * The mirror store: every read and write the sync and the mirror source make, written once with Kysely
 * for SQLite and PostgreSQL alike. Conversations are versioned by revision so a cursor walk reads one
 * snapshot however the copy changes under it; every write that could race another replica is fenced by
 * the sync lease, in the same transaction.
 */
import { sql, type Insertable, type Selectable, type SelectQueryBuilder, type Transaction, type Updateable } from 'kysely';
import type { Filters, OrderDir, OrderField, SortKey } from '../../model/query.js';
import type { MirrorDb } from './connect.js';
import { CURRENT, NULL_LAST_ASC, NULL_LAST_DESC, type MirrorDatabase, type MirrorsTable, type RowsTable, type SortColumn } from './tables.js';
import { QueryTemplates } from './templates.js';

export interface PassReport {
  kind: 'full' | 'incremental' | 'head';
  startedAt: number;
  durationMs: number;
  calls: number;
  /** Items the vendor sent. */
  items: number;
  /** Conversations added or changed. */
  changed: number;
  /** Conversations removed (full reads only). */
  deleted?: number;
  /** A full read that went on from where an earlier attempt stopped. */
  resumed?: boolean;
  error: { code: string; message: string } | null;
}

/** An unfinished full read, saved with every batch it writes so a restart resumes it. */
export interface FullRun {
  id: number;
  startedAt: number;
  /** The next page to ask for (undefined: the first). */
  token?: string | number | null;
  /** Every page was read; only the reconcile is left. */
  done?: boolean;
  /** The vendor's total on the first page and the latest one, when it gives one. */
  firstTotal: number | null;
  lastTotal: number | null;
  calls: number;
  items: number;
  changed: number;
}

export interface MirrorMeta {
  id: number;
  vendor: string;
  identity: string;
  mapping: string;
  origin: string;
  createdAt: number;
  ready: boolean;
  rev: number;
  minRev: number;
  rows: number;
  syncedAt: number | null;
  hwmUpdated: number | null;
  hwmCreated: number | null;
  runs: number;
  run: FullRun | null;
  lastFull: PassReport | null;
  lastPass: PassReport | null;
  nextSyncAt: number | null;
}

/** One conversation as the sync writes it (see rows.ts). */
export interface RowInput {
  id: string;
  times: { createdAt: number | null; updatedAt: number | null; lastActivityAt: number | null };
  status: string | null;
  channel: string | null;
  agentId: string | null;
  leadId: string | null;
  visitorId: string | null;
  userId: string | null;
  search: string;
  doc: string;
  extra: string | null;
  raw: string | null;
  hash: string;
}

/** One conversation as a page's scan reads it: what ordering needs, not its stored shape. */
export interface RowKey {
  id: string;
  la: number | null;
  cr: number | null;
  up: number | null;
  leadId: string | null;
  visitorId: string | null;
  userId: string | null;
}

/** One conversation's stored shape, read for the items a page shows. */
export interface RowShape {
  doc: string;
  extra: string | null;
  raw: string | null;
}

/** The filters a mirror evaluates: the API's own (times in epoch ms), with the same semantics. */
export type MirrorFilters = Filters;

/** Writes that must come from the current lease holder: checked and extended in the write's transaction. */
export interface Fence {
  lease: string;
  holder: string;
  now: number;
}

/** This replica no longer holds the sync lease: another one syncs now, and this write was not made. */
export class LeaseLost extends Error {}

const ORDER_PREFIX: Record<OrderField, 'la' | 'cr' | 'up'> = { lastActivityAt: 'la', createdAt: 'cr', updatedAt: 'up' };
export const sortColumn = (field: OrderField, dir: OrderDir): SortColumn => `${ORDER_PREFIX[field]}_${dir}` as SortColumn;
const sortValue = (t: number | null, dir: OrderDir) => t ?? (dir === 'asc' ? NULL_LAST_ASC : NULL_LAST_DESC);
const fromAsc = (v: number): number | null => (v === NULL_LAST_ASC ? null : v);


export class MirrorStore {
  /** What requests read (meta, pages, shapes, counts), compiled once per shape. */
  private readonly reads: QueryTemplates;

  constructor(private readonly conn: MirrorDb) {
    this.reads = new QueryTemplates(conn.reader);
  }

  get dialect() {
    return this.conn.dialect;
  }
  get where() {
    return this.conn.where;
  }

  /** The mirror of this vendor, origin, credentials and mapping; made (warming) if there is none. */
  async ensure(vendor: string, identity: string, mapping: string, origin: string, now: number): Promise<MirrorMeta> {
    const db = this.conn.db;
    await db
      .insertInto('mirrors')
      .values({ vendor, identity, mapping, origin, created_at: now })
      .onConflict((oc) => oc.columns(['vendor', 'identity', 'mapping']).doNothing())
      .execute();
    const row = await db.selectFrom('mirrors').selectAll().where('vendor', '=', vendor).where('identity', '=', identity).where('mapping', '=', mapping).executeTakeFirstOrThrow();
    return toMeta(row);
  }

  /** The mirror of this vendor, origin, credentials and mapping, if there is one (it is never made here). */
  async find(vendor: string, identity: string, mapping: string): Promise<MirrorMeta | null> {
    const [row] = await this.reads.rows('find', [vendor, identity, mapping], ([v, i, m]) =>
      this.conn.reader.selectFrom('mirrors').selectAll().where('vendor', '=', v as string).where('identity', '=', i as string).where('mapping', '=', m as string),
    );
    return row ? toMeta(row) : null;
  }

  async meta(id: number): Promise<MirrorMeta | null> {
    const [row] = await this.reads.rows('meta', [id], ([i]) => this.conn.reader.selectFrom('mirrors').selectAll().where('id', '=', i as number));
    return row ? toMeta(row) : null;
  }

  /** Every mirror, or every mirror of one vendor (old copies made with other credentials included). */
  async list(vendor?: string): Promise<MirrorMeta[]> {
    let q = this.conn.reader.selectFrom('mirrors').selectAll().orderBy('vendor').orderBy('id');
    if (vendor !== undefined) q = q.where('vendor', '=', vendor);
    return (await q.execute()).map(toMeta);
  }

  /**
   * Writes one batch: new conversations and changed ones get a new version under a new revision, unchanged
   * ones are only marked seen. Returns how many changed. With `run`, the batch belongs to that full read and
   * its checkpoint is saved in the same transaction.
   */
  async write(
    id: number,
    rows: readonly RowInput[],
    opts: { now: number; runId?: number; fence?: Fence; meta?: MetaPatch },
  ): Promise<{ changed: number; added: number }> {
    return this.conn.db.transaction().execute(async (trx) => {
      if (opts.fence) await fence(trx, opts.fence);
      const m = await current(trx, id, this.conn.dialect);
      // The same conversation twice in one batch (offset paging over moving data): the later copy wins.
      const byId = new Map(rows.map((r) => [r.id, r]));
      const ids = [...byId.keys()];
      const existing = new Map<string, { hash: string; seen_run: number }>();
      for (let i = 0; i < ids.length; i += 500) {
        const found = await trx
          .selectFrom('mirror_rows')
          .select(['id', 'hash', 'seen_run'])
          .where('mirror_id', '=', id)
          .where('valid_to', '=', CURRENT)
          .where('id', 'in', ids.slice(i, i + 500))
          .execute();
        for (const f of found) existing.set(f.id, f);
      }
      const rev = m.rev + 1;
      const unchanged: string[] = [];
      const inserts: Insertable<RowsTable>[] = [];
      let added = 0;
      for (const r of byId.values()) {
        const ex = existing.get(r.id);
        if (ex && ex.hash === r.hash) {
          unchanged.push(r.id);
          continue;
        }
        if (!ex) added++;
        inserts.push(rowValues(id, r, rev, opts.runId ?? ex?.seen_run ?? 0, opts.now));
      }
      const closing = inserts.filter((r) => existing.has(r.id)).map((r) => r.id);
      for (let i = 0; i < closing.length; i += 500) {
        await trx
          .updateTable('mirror_rows')
          .set({ valid_to: rev })
          .where('mirror_id', '=', id)
          .where('valid_to', '=', CURRENT)
          .where('id', 'in', closing.slice(i, i + 500))
          .execute();
      }
      // 24 values a row: 400 rows stay under SQLite's 32,766 bound values (and Postgres's 65,535) per statement.
      for (let i = 0; i < inserts.length; i += 400) await trx.insertInto('mirror_rows').values(inserts.slice(i, i + 400)).execute();
      for (let i = 0; i < unchanged.length; i += 500) {
        await trx
          .updateTable('mirror_rows')
          .set(opts.runId !== undefined ? { seen_at: opts.now, seen_run: opts.runId, missed: 0 } : { seen_at: opts.now })
          .where('mirror_id', '=', id)
          .where('valid_to', '=', CURRENT)
          .where('id', 'in', unchanged.slice(i, i + 500))
          .execute();
      }
      const patch = metaColumns(opts.meta ?? {}, m);
      if (inserts.length > 0) {
        const syncedAt = patch.synced_at ?? m.synced_at;
        await trx.insertInto('mirror_revs').values({ mirror_id: id, rev, at: opts.now, synced_at: syncedAt }).execute();
        await trx
          .updateTable('mirrors')
          .set((eb) => ({ ...patch, rev, rows: eb('rows', '+', added) }))
          .where('id', '=', id)
          .execute();
      } else if (Object.keys(patch).length > 0) {
        await updateMeta(trx, id, m.rev, patch);
      }
      return { changed: inserts.length, added };
    });
  }

  /** Updates what the mirror says of itself (marks, checkpoints, pass reports). */
  async patch(id: number, meta: MetaPatch, fenceBy?: Fence): Promise<void> {
    await this.conn.db.transaction().execute(async (trx) => {
      if (fenceBy) await fence(trx, fenceBy);
      const m = await current(trx, id, this.conn.dialect);
      await updateMeta(trx, id, m.rev, metaColumns(meta, m));
    });
  }

  /**
   * Ends a full read: conversations it did not see (and no other pass saw since it began) are removed. It is
   * sure it saw everything when its reader knows it (`complete`: one body, or keyset cursors in creation
   * order), or when the vendor's total held still and it saw exactly that many (`expected`). Otherwise, and when it would remove most of the copy at once (more
   * likely a vendor's bad answer than a mass deletion), a conversation must be missed by two reads in a row
   * first, so items shifting between pages are never taken for deletions. The mirror is then ready,
   * complete as of the read's start.
   */
  async finishFull(
    id: number,
    run: FullRun,
    opts: { now: number; complete?: boolean; expected?: number | null; fence?: Fence; meta?: MetaPatch; report?: PassReport },
  ): Promise<{ deleted: number; sure: boolean }> {
    return this.conn.db.transaction().execute(async (trx) => {
      if (opts.fence) await fence(trx, opts.fence);
      const m = await current(trx, id, this.conn.dialect);
      const currentRows = () => trx.selectFrom('mirror_rows').where('mirror_id', '=', id).where('valid_to', '=', CURRENT);
      const countOf = async (q: ReturnType<typeof currentRows>) => Number((await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
      const unseenCount = await countOf(currentRows().where('seen_run', '<>', run.id).where('seen_at', '<', run.startedAt));
      const seen = await countOf(currentRows().where('seen_run', '=', run.id));
      let sure = opts.complete === true || (opts.expected !== undefined && opts.expected !== null && seen === opts.expected);
      if (sure && unseenCount > 10 && unseenCount * 2 > m.rows) sure = false;
      const unseen = (q: ReturnType<typeof trx.updateTable<'mirror_rows'>>) =>
        q.where('mirror_id', '=', id).where('valid_to', '=', CURRENT).where('seen_run', '<>', run.id).where('seen_at', '<', run.startedAt);
      const rev = m.rev + 1;
      let deleted = 0;
      if (unseenCount > 0) {
        if (!sure) await unseen(trx.updateTable('mirror_rows')).set((eb) => ({ missed: eb('missed', '+', 1) })).execute();
        let gone = unseen(trx.updateTable('mirror_rows')).set({ valid_to: rev });
        if (!sure) gone = gone.where('missed', '>=', 2);
        deleted = Number((await gone.executeTakeFirst()).numUpdatedRows);
      }
      const lastFull = opts.report ? { lastFull: { ...opts.report, deleted } } : {};
      const patch = { ...metaColumns({ ...opts.meta, ...lastFull, syncedAt: run.startedAt }, m), ready: 1, run: null };
      if (deleted > 0) {
        await trx.insertInto('mirror_revs').values({ mirror_id: id, rev, at: opts.now, synced_at: patch.synced_at ?? m.synced_at }).execute();
        await trx
          .updateTable('mirrors')
          .set((eb) => ({ ...patch, rev, rows: eb('rows', '-', deleted) }))
          .where('id', '=', id)
          .execute();
      } else {
        await updateMeta(trx, id, m.rev, patch);
      }
      return { deleted, sure };
    });
  }

  /**
   * At most `limit` conversations after `after` in the order, as of revision `rev`, that match `filters`:
   * their ids and instants. What they look like is read by `shapes`, for the ones a page shows.
   */
  async page(id: number, rev: number, filters: MirrorFilters, orderBy: OrderField, orderDir: OrderDir, after: SortKey | undefined, limit: number): Promise<RowKey[]>;
  /** With `shapes`: each row's stored shape too, in the same query (for short reads whose rows are all shown). */
  async page(id: number, rev: number, filters: MirrorFilters, orderBy: OrderField, orderDir: OrderDir, after: SortKey | undefined, limit: number, shapes: ShapeParts): Promise<(RowKey & RowShape)[]>;
  async page(id: number, rev: number, filters: MirrorFilters, orderBy: OrderField, orderDir: OrderDir, after: SortKey | undefined, limit: number, shapes?: ShapeParts): Promise<(RowKey & Partial<RowShape>)[]> {
    const col = sortColumn(orderBy, orderDir);
    const f = filterValues(filters);
    const values = [id, rev, ...f.values, ...(after ? [sortValue(after.time, orderDir), after.id] : []), limit];
    const parts = shapes ? `${shapes.extra}:${shapes.raw}` : 'keys';
    const rows = await this.reads.rows(`page:${col}:${after ? 'after' : 'first'}:${parts}:${f.names.join(',')}`, values, (v) => {
      const base = this.conn.reader
        .selectFrom('mirror_rows')
        .select(['id', 'la_asc', 'cr_asc', 'up_asc', 'lead_id', 'visitor_id', 'user_id'])
        .select([shapeColumn('doc', !!shapes).as('doc'), shapeColumn('extra', !!shapes?.extra).as('extra'), shapeColumn('raw', !!shapes?.raw).as('raw')]);
      let q = asOf(base.where('mirror_id', '=', v[0] as number), v[1] as number);
      q = applyFilters(q, f.names, v.slice(2, 2 + f.names.length));
      if (after) {
        const [key, afterId] = v.slice(2 + f.names.length, 4 + f.names.length);
        q = q.where(({ eb, refTuple, tuple }) => eb(refTuple(col, 'id'), orderDir === 'asc' ? '>' : '<', tuple(key as number, afterId as string)));
      }
      return q.orderBy(col, orderDir).orderBy('id', orderDir).limit(v.at(-1) as number);
    });
    return rows.map((r) => ({
      id: r.id,
      la: fromAsc(r.la_asc),
      cr: fromAsc(r.cr_asc),
      up: fromAsc(r.up_asc),
      leadId: r.lead_id,
      visitorId: r.visitor_id,
      userId: r.user_id,
      ...(shapes ? { doc: r.doc as string, extra: r.extra, raw: r.raw } : {}),
    }));
  }

  /**
   * The stored shapes of these conversations as of revision `rev`. What include=messages adds and the
   * vendor item are read only when asked for.
   */
  async shapes(id: number, rev: number, ids: readonly string[], with_: ShapeParts): Promise<Map<string, RowShape>> {
    const out = new Map<string, RowShape>();
    const extra = shapeColumn('extra', with_.extra);
    const raw = shapeColumn('raw', with_.raw);
    for (let i = 0; i < ids.length; i += 500) {
      const batch = ids.slice(i, i + 500);
      const rows = await this.reads.rows(`shapes:${with_.extra}:${with_.raw}:${batch.length}`, [id, rev, ...batch], (v) =>
        asOf(this.conn.reader.selectFrom('mirror_rows').select(['id', 'doc', extra.as('extra'), raw.as('raw')]).where('mirror_id', '=', v[0] as number), v[1] as number).where('id', 'in', v.slice(2) as string[]),
      );
      for (const r of rows) out.set(r.id, { doc: r.doc, extra: r.extra, raw: r.raw });
    }
    return out;
  }

  /**
   * One conversation by its id as of revision `rev` (GET /conversations/{id}): what a scan reads of it and
   * its stored shape, include-only parts when asked for; null when the copy doesn't hold it.
   */
  async row(id: number, rev: number, conversationId: string, with_: { extra: boolean; raw: boolean }): Promise<(RowKey & RowShape) | null> {
    const extra = with_.extra ? sql<string | null>`extra` : sql<null>`null`;
    const raw = with_.raw ? sql<string | null>`raw` : sql<null>`null`;
    const r = await asOf(
      this.conn.reader
        .selectFrom('mirror_rows')
        .select(['id', 'la_asc', 'cr_asc', 'up_asc', 'lead_id', 'visitor_id', 'user_id', 'doc', extra.as('extra'), raw.as('raw')])
        .where('mirror_id', '=', id),
      rev,
    )
      .where('id', '=', conversationId)
      .executeTakeFirst();
    if (!r) return null;
    return { id: r.id, la: fromAsc(r.la_asc), cr: fromAsc(r.cr_asc), up: fromAsc(r.up_asc), leadId: r.lead_id, visitorId: r.visitor_id, userId: r.user_id, doc: r.doc, extra: r.extra, raw: r.raw };
  }

  /** How many conversations match `filters` as of revision `rev`. */
  async count(id: number, rev: number, filters: MirrorFilters): Promise<number> {
    const f = filterValues(filters);
    const [row] = await this.reads.rows(`count:${f.names.join(',')}`, [id, rev, ...f.values], (v) =>
      applyFilters(asOf(this.conn.reader.selectFrom('mirror_rows').where('mirror_id', '=', v[0] as number), v[1] as number), f.names, v.slice(2)).select((eb) => eb.fn.countAll<number>().as('n')),
    );
    return Number(row!.n);
  }

  /** The mirror's synced_at while revision `rev` was current (null: unknown, e.g. collected). */
  async syncedAtRev(id: number, rev: number): Promise<number | null> {
    const [row] = await this.reads.rows('syncedAtRev', [id, rev], ([i, r]) => this.conn.reader.selectFrom('mirror_revs').select('synced_at').where('mirror_id', '=', i as number).where('rev', '=', r as number));
    return row?.synced_at ?? null;
  }

  /**
   * Takes (or extends) the lease `name` for `ttlMs` unless another holder's lease is still running. True
   * when `holder` holds it now. Replicas sharing a Postgres store agree through this row.
   */
  async lease(name: string, holder: string, ttlMs: number, now: number): Promise<boolean> {
    const got = await this.conn.db
      .insertInto('mirror_leases')
      .values({ name, holder, expires_at: now + ttlMs })
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet({ holder, expires_at: now + ttlMs })
          .where((eb) => eb.or([eb('mirror_leases.expires_at', '<=', now), eb('mirror_leases.holder', '=', holder)])),
      )
      .returning('holder')
      .executeTakeFirst();
    return got?.holder === holder;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.conn.db.deleteFrom('mirror_leases').where('name', '=', name).where('holder', '=', holder).execute();
  }

  /** Who holds a lease and until when (for status), or null. */
  async leaseHolder(name: string): Promise<{ holder: string; expiresAt: number } | null> {
    const row = await this.conn.reader.selectFrom('mirror_leases').selectAll().where('name', '=', name).executeTakeFirst();
    return row ? { holder: row.holder, expiresAt: row.expires_at } : null;
  }

  /**
   * Removes versions no cursor can still read: those replaced before the oldest revision that was current
   * `retainMs` ago (a cursor lives at most that long). Returns the versions removed.
   */
  async collect(id: number, now: number, retainMs: number): Promise<number> {
    return this.conn.db.transaction().execute(async (trx) => {
      const oldest = await trx
        .selectFrom('mirror_revs')
        .select((eb) => eb.fn.max('rev').as('rev'))
        .where('mirror_id', '=', id)
        .where('at', '<=', now - retainMs)
        .executeTakeFirst();
      const floor = oldest?.rev === null || oldest?.rev === undefined ? null : Number(oldest.rev);
      if (floor === null) return 0;
      // The literal bound lets the partial index of replaced versions serve this delete.
      const res = await trx
        .deleteFrom('mirror_rows')
        .where('mirror_id', '=', id)
        .where('valid_to', '<=', floor)
        .where(sql.ref('valid_to'), '<', sql.lit(CURRENT))
        .executeTakeFirst();
      await trx.deleteFrom('mirror_revs').where('mirror_id', '=', id).where('rev', '<', floor).execute();
      await trx.updateTable('mirrors').set({ min_rev: floor }).where('id', '=', id).where('min_rev', '<', floor).execute();
      return Number(res.numDeletedRows);
    });
  }

  /** Deletes a mirror and everything it holds. */
  async drop(id: number): Promise<number> {
    return this.conn.db.transaction().execute(async (trx) => {
      const res = await trx.deleteFrom('mirror_rows').where('mirror_id', '=', id).executeTakeFirst();
      await trx.deleteFrom('mirror_revs').where('mirror_id', '=', id).execute();
      await trx.deleteFrom('mirrors').where('id', '=', id).execute();
      return Number(res.numDeletedRows);
    });
  }

  close(): Promise<void> {
    return this.conn.close();
  }
}

/** What a pass may change of the mirror's own row. */
export interface MetaPatch {
  syncedAt?: number;
  hwmUpdated?: number | null;
  hwmCreated?: number | null;
  runs?: number;
  run?: FullRun | null;
  lastFull?: PassReport;
  lastPass?: PassReport;
  nextSyncAt?: number | null;
}

interface Current {
  rev: number;
  rows: number;
  synced_at: number | null;
  hwm_updated: number | null;
  hwm_created: number | null;
}

/**
 * The mirror's row as this transaction sees it. On Postgres the row stays locked to the end of the
 * transaction, so two passes writing at once (a long full read and a frequent pass) take revisions in turn;
 * SQLite has one writer at a time anyway.
 */
function current(trx: Transaction<MirrorDatabase>, id: number, dialect: 'sqlite' | 'postgres'): Promise<Current> {
  const q = trx.selectFrom('mirrors').select(['rev', 'rows', 'synced_at', 'hwm_updated', 'hwm_created']).where('id', '=', id);
  return (dialect === 'postgres' ? q.forUpdate() : q).executeTakeFirstOrThrow();
}

/** Only ever forward: a pass finishing late can't move syncedAt or a high-water mark back. */
const later = (cur: number | null, next: number | null | undefined): number | null | undefined =>
  next === undefined || next === null ? undefined : cur === null || next > cur ? next : undefined;

function metaColumns(p: MetaPatch, cur: Current): Updateable<MirrorsTable> {
  const out: Updateable<MirrorsTable> = {};
  const synced = later(cur.synced_at, p.syncedAt);
  if (synced !== undefined) out.synced_at = synced;
  const hu = later(cur.hwm_updated, p.hwmUpdated);
  if (hu !== undefined) out.hwm_updated = hu;
  const hc = later(cur.hwm_created, p.hwmCreated);
  if (hc !== undefined) out.hwm_created = hc;
  if (p.runs !== undefined) out.runs = p.runs;
  if (p.run !== undefined) out.run = p.run === null ? null : JSON.stringify(p.run);
  if (p.lastFull !== undefined) out.last_full = JSON.stringify(p.lastFull);
  if (p.lastPass !== undefined) out.last_pass = JSON.stringify(p.lastPass);
  if (p.nextSyncAt !== undefined) out.next_sync_at = p.nextSyncAt;
  return out;
}

/** Updates the mirror's row; a new synced_at is also recorded for the current revision (what cursors read). */
async function updateMeta(trx: Transaction<MirrorDatabase>, id: number, rev: number, patch: Updateable<MirrorsTable>): Promise<void> {
  if (Object.keys(patch).length === 0) return;
  await trx.updateTable('mirrors').set(patch).where('id', '=', id).execute();
  if (patch.synced_at !== undefined) {
    await trx.updateTable('mirror_revs').set({ synced_at: patch.synced_at as number }).where('mirror_id', '=', id).where('rev', '=', rev).execute();
  }
}

async function fence(trx: Transaction<MirrorDatabase>, f: Fence): Promise<void> {
  const res = await trx
    .updateTable('mirror_leases')
    .set({ expires_at: sql<number>`expires_at` })
    .where('name', '=', f.lease)
    .where('holder', '=', f.holder)
    .where('expires_at', '>', f.now)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) === 0) throw new LeaseLost(`the sync lease ${f.lease} is no longer held by this replica`);
}

function rowValues(mirrorId: number, r: RowInput, rev: number, seenRun: number, now: number): Insertable<RowsTable> {
  const { createdAt, updatedAt, lastActivityAt } = r.times;
  return {
    mirror_id: mirrorId,
    id: r.id,
    valid_from: rev,
    valid_to: CURRENT,
    la_asc: sortValue(lastActivityAt, 'asc'),
    la_desc: sortValue(lastActivityAt, 'desc'),
    cr_asc: sortValue(createdAt, 'asc'),
    cr_desc: sortValue(createdAt, 'desc'),
    up_asc: sortValue(updatedAt, 'asc'),
    up_desc: sortValue(updatedAt, 'desc'),
    status: r.status,
    channel: r.channel,
    agent_id: r.agentId,
    lead_id: r.leadId,
    visitor_id: r.visitorId,
    user_id: r.userId,
    search: r.search,
    doc: r.doc,
    extra: r.extra,
    raw: r.raw,
    hash: r.hash,
    seen_run: seenRun,
    seen_at: now,
    missed: 0,
  };
}

type RowQuery<O> = SelectQueryBuilder<MirrorDatabase, 'mirror_rows', O>;

/** Which of a row's include-only parts to read: what include=messages adds, and the vendor item. */
export interface ShapeParts {
  extra: boolean;
  raw: boolean;
}

/** A shape column, or null in its place when not asked for (they may be large). */
const shapeColumn = (name: 'doc' | 'extra' | 'raw', wanted: boolean) => (wanted ? sql<string | null>`${sql.ref(name)}` : sql<string | null>`null`);

/** The versions current at revision `rev`. */
function asOf<O>(q: RowQuery<O>, rev: number): RowQuery<O> {
  return q.where('valid_from', '<=', rev).where('valid_to', '>', rev);
}

type FilterName = keyof MirrorFilters;

/** The filters set, in one order, with their values as the columns hold them (ids lower-cased, search as a LIKE pattern). */
function filterValues(f: MirrorFilters): { names: FilterName[]; values: unknown[] } {
  const names: FilterName[] = [];
  const values: unknown[] = [];
  for (const name of FILTER_ORDER) {
    const v = f[name];
    if (v === undefined) continue;
    names.push(name);
    values.push(name === 'leadId' || name === 'visitorId' || name === 'userId' ? (v as string).toLowerCase() : name === 'search' ? `%${(v as string).toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%` : v);
  }
  return { names, values };
}

/**
 * Each filter but search: the column it tests, and how. A missing instant is stored as the sentinel that
 * fails each bound: after → the desc key, before → the asc key. Every filter is here or in the search clause,
 * or this fails to compile: a filter left out would be ignored by the mirror.
 */
const FILTER_COLUMNS: Record<Exclude<FilterName, 'search'>, readonly [keyof RowsTable, '=' | '>=' | '<']> = {
  status: ['status', '='],
  channel: ['channel', '='],
  agentId: ['agent_id', '='],
  leadId: ['lead_id', '='],
  visitorId: ['visitor_id', '='],
  userId: ['user_id', '='],
  createdAfter: ['cr_desc', '>='],
  createdBefore: ['cr_asc', '<'],
  updatedAfter: ['up_desc', '>='],
  updatedBefore: ['up_asc', '<'],
};
const FILTER_ORDER = [...(Object.keys(FILTER_COLUMNS) as FilterName[]), 'search' as const];

/**
 * The API's filter semantics over the stored columns (see plan/local-filter.ts for the same, live), for
 * the `names` filterValues gave, with its values (or a template's markers) as they are.
 */
function applyFilters<O>(q: RowQuery<O>, names: readonly FilterName[], values: readonly unknown[]): RowQuery<O> {
  names.forEach((name, i) => {
    const v = values[i] as never;
    if (name === 'search') q = q.where(sql<boolean>`${sql.ref('search')} like ${v} escape '\\'`);
    else q = q.where(FILTER_COLUMNS[name][0], FILTER_COLUMNS[name][1], v);
  });
  return q;
}

function toMeta(r: Selectable<MirrorsTable>): MirrorMeta {
  const json = <T>(s: string | null): T | null => (s === null ? null : (JSON.parse(s) as T));
  return {
    id: Number(r.id),
    vendor: r.vendor,
    identity: r.identity,
    mapping: r.mapping,
    origin: r.origin,
    createdAt: r.created_at,
    ready: Number(r.ready) === 1,
    rev: r.rev,
    minRev: r.min_rev,
    rows: r.rows,
    syncedAt: r.synced_at,
    hwmUpdated: r.hwm_updated,
    hwmCreated: r.hwm_created,
    runs: r.runs,
    run: json<FullRun>(r.run),
    lastFull: json<PassReport>(r.last_full),
    lastPass: json<PassReport>(r.last_pass),
    nextSyncAt: r.next_sync_at,
  };
}

