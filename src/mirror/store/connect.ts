/**
 * Opens the mirror's database: SQLite in a file under DATA_DIR (the default; `:memory:` for tests and
 * throw-away demos) or PostgreSQL for replicas. Both behind one Kysely instance and one schema, migrated
 * to the newest version before anything reads it.
 */
import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type SqliteDatabase } from 'kysely';
import { LRUCache } from 'lru-cache';
import pg from 'pg';
import { MIGRATION_LOCK_TABLE, MIGRATION_TABLE, migrations, type Dialect } from './migrations.js';
import type { MirrorDatabase } from './tables.js';

export interface MirrorDb {
  readonly dialect: Dialect;
  /** Where it lives, safe to log: a file path, `:memory:` or a Postgres URL without its password. */
  readonly where: string;
  /** Writes (and reads that must see them). */
  readonly db: Kysely<MirrorDatabase>;
  /**
   * Reads for requests. On a SQLite file this is a second connection, so pages keep being served (WAL lets
   * readers run beside the writer) while a sync transaction is open; elsewhere it is `db`.
   */
  readonly reader: Kysely<MirrorDatabase>;
  close(): Promise<void>;
}

/** `sqlite` (a file under DATA_DIR), `sqlite::memory:`, `sqlite:/path/to/file.db`, or `postgres://…`. */
export type StoreUrl = string;

export function describeStore(url: StoreUrl, dataDir: string): string {
  if (/^postgres(ql)?:\/\//.test(url)) return redactUrl(url);
  return sqlitePath(url, dataDir);
}

/** A URL with its password (and nothing else) hidden, for logs and answers. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

function sqlitePath(url: StoreUrl, dataDir: string): string {
  if (url === 'sqlite' || url === '') return join(resolve(dataDir), 'mirror.sqlite');
  const rest = url.replace(/^sqlite:/, '');
  return rest === ':memory:' ? ':memory:' : resolve(rest);
}

export async function openMirrorDb(url: StoreUrl, dataDir: string): Promise<MirrorDb> {
  const opened = /^postgres(ql)?:\/\//.test(url) ? openPostgres(url) : openSqlite(sqlitePath(url, dataDir));
  const migrator = new Migrator({
    db: opened.db,
    provider: migrations(opened.dialect),
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    await opened.close();
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`mirror store ${opened.where}: migration ${failed ?? ''} failed: ${(error as Error).message ?? String(error)}`);
  }
  return opened;
}

function openSqlite(path: string): MirrorDb {
  const memory = path === ':memory:';
  if (!memory) {
    // Conversation data: the folder and the file are the owner's only. SQLite gives its -wal and -shm files
    // the database file's permissions.
    mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
    closeSync(openSync(path, 'a', 0o600));
    if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  }
  const open = () => {
    const d = new BetterSqlite3(path);
    d.pragma('journal_mode = WAL');
    d.pragma('synchronous = NORMAL');
    // A reader never waits for the writer (WAL); the writer waits a little for a checkpoint.
    d.pragma('busy_timeout = 5000');
    return d;
  };
  const writer = open();
  const db = new Kysely<MirrorDatabase>({ dialect: new SqliteDialect({ database: preparedOnce(writer) }) });
  const readConn = memory ? null : open();
  const reader = readConn ? new Kysely<MirrorDatabase>({ dialect: new SqliteDialect({ database: preparedOnce(readConn) }) }) : db;
  return {
    dialect: 'sqlite',
    where: path,
    db,
    reader,
    async close() {
      if (reader !== db) await reader.destroy();
      await db.destroy();
    },
  };
}

/**
 * The connection as Kysely's SQLite driver sees it, with each statement prepared once: the driver prepares
 * every query it runs, and a page's few queries would otherwise pay SQLite's parse and plan each time.
 * Safe to share: the driver only runs a statement to completion (all / run), never two at once.
 */
function preparedOnce(d: BetterSqlite3.Database): SqliteDatabase {
  const statements = new LRUCache<string, BetterSqlite3.Statement>({ max: 256 });
  return {
    close: () => d.close(),
    prepare(sql) {
      let stmt = statements.get(sql);
      if (!stmt) statements.set(sql, (stmt = d.prepare(sql)));
      return stmt as unknown as ReturnType<SqliteDatabase['prepare']>;
    },
  };
}

function openPostgres(url: string): MirrorDb {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    // int8 (epoch ms, revisions, counts) as numbers: every value we store fits in 2^53.
    types: { getTypeParser: (oid: number, format?: string) => (oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) } as pg.CustomTypesConfig,
  });
  // An idle client's error (the server restarted) must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  const db = new Kysely<MirrorDatabase>({ dialect: new PostgresDialect({ pool }) });
  return { dialect: 'postgres', where: redactUrl(url), db, reader: db, close: () => db.destroy() };
}
