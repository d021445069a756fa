/**
 * The mirror schema's versions, run in order at start (Kysely's Migrator records them in
 * `mirror_migrations` and, on PostgreSQL, holds an advisory lock so replicas starting together migrate once).
 * Never edit a shipped migration: add the next one.
 */
import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { CURRENT } from './tables.js';

export type Dialect = 'sqlite' | 'postgres';

const ORDERS = ['la_asc', 'la_desc', 'cr_asc', 'cr_desc', 'up_asc', 'up_desc'] as const;

function v1(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      const big = 'bigint' as const;
      await db.schema
        .createTable('mirrors')
        .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('vendor', 'text', (c) => c.notNull())
        .addColumn('identity', 'text', (c) => c.notNull())
        .addColumn('mapping', 'text', (c) => c.notNull())
        .addColumn('origin', 'text', (c) => c.notNull())
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('ready', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('rev', big, (c) => c.notNull().defaultTo(0))
        .addColumn('min_rev', big, (c) => c.notNull().defaultTo(0))
        .addColumn('rows', big, (c) => c.notNull().defaultTo(0))
        .addColumn('synced_at', big)
        .addColumn('hwm_updated', big)
        .addColumn('hwm_created', big)
        .addColumn('runs', big, (c) => c.notNull().defaultTo(0))
        .addColumn('run', 'text')
        .addColumn('last_full', 'text')
        .addColumn('last_pass', 'text')
        .addColumn('next_sync_at', big)
        .addUniqueConstraint('mirrors_identity', ['vendor', 'identity', 'mapping'])
        .execute();

      await db.schema
        .createTable('mirror_rows')
        .addColumn('mirror_id', big, (c) => c.notNull())
        // Byte order on Postgres too: ids sort as SQLite (and the merge) sort them, whatever the locale.
        .addColumn('id', 'text', (c) => (dialect === 'postgres' ? c.notNull().modifyEnd(sql`collate "C"`) : c.notNull()))
        .addColumn('valid_from', big, (c) => c.notNull())
        .addColumn('valid_to', big, (c) => c.notNull())
        .addColumn('la_asc', big, (c) => c.notNull())
        .addColumn('la_desc', big, (c) => c.notNull())
        .addColumn('cr_asc', big, (c) => c.notNull())
        .addColumn('cr_desc', big, (c) => c.notNull())
        .addColumn('up_asc', big, (c) => c.notNull())
        .addColumn('up_desc', big, (c) => c.notNull())
        .addColumn('status', 'text')
        .addColumn('channel', 'text')
        .addColumn('agent_id', 'text')
        .addColumn('lead_id', 'text')
        .addColumn('visitor_id', 'text')
        .addColumn('user_id', 'text')
        .addColumn('search', 'text', (c) => c.notNull())
        .addColumn('doc', 'text', (c) => c.notNull())
        .addColumn('extra', 'text')
        .addColumn('raw', 'text')
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('seen_run', big, (c) => c.notNull().defaultTo(0))
        .addColumn('seen_at', big, (c) => c.notNull())
        .addColumn('missed', 'integer', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('mirror_rows_pk', ['mirror_id', 'id', 'valid_from'])
        .execute();
      // The current version of each conversation: what a write looks up.
      await db.schema
        .createIndex('mirror_rows_current')
        .on('mirror_rows')
        .columns(['mirror_id', 'id'])
        .unique()
        .where(sql.ref('valid_to'), '=', CURRENT)
        .execute();
      // One index per order and direction: a page is a range scan from the cursor's key. A filter of few
      // values (status) is checked along that scan, which then reads about limit / share rows; selective
      // filters (channel, agent, lead, visitor, user) have an index each.
      for (const o of ORDERS) {
        await db.schema.createIndex(`mirror_rows_${o}`).on('mirror_rows').columns(['mirror_id', o, 'id']).execute();
      }
      for (const f of ['channel', 'agent_id', 'lead_id', 'visitor_id', 'user_id']) {
        await db.schema.createIndex(`mirror_rows_${f}`).on('mirror_rows').columns(['mirror_id', f]).execute();
      }
      // Collecting versions no cursor can still read. Partial (replaced versions only), so a page's
      // "current at revision R" test never picks it over the order index.
      await db.schema.createIndex('mirror_rows_replaced').on('mirror_rows').columns(['mirror_id', 'valid_to']).where(sql.ref('valid_to'), '<', CURRENT).execute();

      await db.schema
        .createTable('mirror_revs')
        .addColumn('mirror_id', big, (c) => c.notNull())
        .addColumn('rev', big, (c) => c.notNull())
        .addColumn('at', big, (c) => c.notNull())
        .addColumn('synced_at', big)
        .addPrimaryKeyConstraint('mirror_revs_pk', ['mirror_id', 'rev'])
        .execute();

      await db.schema
        .createTable('mirror_leases')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('holder', 'text', (c) => c.notNull())
        .addColumn('expires_at', big, (c) => c.notNull())
        .execute();
    },
  };
}

export function migrations(dialect: Dialect): MigrationProvider {
  return { getMigrations: async () => ({ '0001_mirror': v1(dialect) }) };
}

export const MIGRATION_TABLE = 'mirror_migrations';
export const MIGRATION_LOCK_TABLE = 'mirror_migrations_lock';
