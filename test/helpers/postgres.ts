/**
 * PostgreSQL for the mirror tests: the server named by MIRROR_STORE_TEST_URL, else one answering on
 * 127.0.0.1:5432 (trust auth, database `test`), else none (those tests skip and say so). Each test file gets
 * a database of its own, dropped afterwards, so files running in parallel never see each other's rows.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';

const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/test';

async function answers(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await c.connect();
    await c.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** The server to test against, or null. A URL set in MIRROR_STORE_TEST_URL is used as is (never skipped). */
export async function testPostgresUrl(): Promise<string | null> {
  const given = process.env.MIRROR_STORE_TEST_URL;
  if (given) return given;
  return (await answers(DEFAULT_URL)) ? DEFAULT_URL : null;
}

export function reportPostgresSkip(file: string): void {
  console.warn(`[postgres] SKIPPED ${file}: MIRROR_STORE_TEST_URL is unset and no PostgreSQL answers on 127.0.0.1:5432`);
}

/** A fresh database on the server of `url`: its URL, and a function that drops it. */
export async function scratchDatabase(url: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `sbtest_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const u = new URL(url);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}
