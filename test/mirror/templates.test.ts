/**
 * Query templates: a request-path query is built and compiled once per shape, then run with each call's
 * values, on a real SQLite store. The same rows as building it each time; the builder runs once per shape;
 * a builder that changes a value instead of passing it on is refused when the template is made.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openMirrorDb, type MirrorDb } from '../../src/mirror/store/connect.js';
import { QueryTemplates } from '../../src/mirror/store/templates.js';

let db: MirrorDb | undefined;
afterEach(async () => {
  await db?.close();
  db = undefined;
});

describe('query templates', () => {
  it('runs one compiled query per shape with each call its own values, as the builder alone would', async () => {
    db = await openMirrorDb('sqlite::memory:', '.');
    for (const [vendor, rows] of [['a', 3], ['b', 7], ['c', 0]] as const) {
      await db.db.insertInto('mirrors').values({ vendor, identity: `id-${vendor}`, mapping: 'm', origin: 'o', created_at: 1, rows }).execute();
    }
    const t = new QueryTemplates(db.reader);
    let built = 0;
    const byVendor = (vendor: string) =>
      t.rows('by-vendor', [vendor], ([v]) => {
        built++;
        return db!.reader.selectFrom('mirrors').select(['vendor', 'rows']).where('vendor', '=', v as string);
      });
    expect(await byVendor('a')).toEqual([{ vendor: 'a', rows: 3 }]);
    expect(await byVendor('b')).toEqual([{ vendor: 'b', rows: 7 }]);
    expect(await byVendor('zz')).toEqual([]);
    expect(built).toBe(1);
    // Another shape (an `in` list of another length) is another template.
    const some = (names: string[]) => t.rows(`in:${names.length}`, names, (v) => db!.reader.selectFrom('mirrors').select('vendor').where('vendor', 'in', v as string[]).orderBy('vendor'));
    expect(await some(['a', 'c'])).toEqual([{ vendor: 'a' }, { vendor: 'c' }]);
    expect(await some(['b', 'c', 'a'])).toEqual([{ vendor: 'a' }, { vendor: 'b' }, { vendor: 'c' }]);
    expect(await some(['c', 'b'])).toEqual([{ vendor: 'b' }, { vendor: 'c' }]);
  });

  it('refuses a builder that does not pass a value on as it is (its marker would not reach the SQL)', async () => {
    db = await openMirrorDb('sqlite::memory:', '.');
    const t = new QueryTemplates(db.reader);
    await expect(t.rows('changed', ['a'], ([v]) => db!.reader.selectFrom('mirrors').selectAll().where('vendor', '=', `${v as string}%`))).rejects.toThrow(
      /query template changed: 1 of its 1 values were not passed to the SQL as parameters/,
    );
    await expect(t.rows('dropped', ['a', 'b'], ([v]) => db!.reader.selectFrom('mirrors').selectAll().where('vendor', '=', v as string))).rejects.toThrow(/1 of its 2 values/);
  });
});
