/**
 * A whole read is bounded in calls as well as items: a vendor answering far smaller pages than asked (here
 * 25 when 100 are asked, its own default, because the size parameter it reads is another) used to cost a
 * call per page up to maxItems, whatever the page size. Past twice the calls full pages need, plus
 * lazyRead.maxCalls, it fails with UPSTREAM_TOO_LARGE saying why; the same vendor read with full pages is
 * answered as before.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { cursorlySimulator } from '../dialects/cursorly.js';
import { DIALECT_VENDORS, startHarness, type Harness } from '../helpers/harness.js';

const cursorly = DIALECT_VENDORS.find((v) => v.name === 'cursorly')!;
const data = cursorlySimulator.demoData(21, 300);
let dir: string;
const harnesses: Harness[] = [];

/** Cursorly with no order (so every request reads it whole), 300 items at most, and `limitParam` as given. */
async function variant(name: string, limitParam: string): Promise<Harness> {
  const doc = parse(await readFile(cursorly.configFile, 'utf8'));
  delete doc.request.order;
  doc.request.pagination.limitParam = limitParam;
  doc.maxItems = 300;
  doc.lazyRead = { maxItems: 100, maxCalls: 2 };
  const file = join(dir, `${name}-cursorly.yaml`);
  await writeFile(file, stringify(doc));
  const h = await startHarness({ vendors: [{ ...cursorly, configFile: file }], data: { cursorly: data } });
  harnesses.push(h);
  return h;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'whole-bound-'));
});
afterAll(async () => {
  await Promise.all(harnesses.map((h) => h.close()));
  await rm(dir, { recursive: true, force: true });
});

describe('whole reads are bounded in calls', () => {
  it('pages of 25 where 100 are asked: 8 calls (2 × 3 for maxItems 300, plus maxCalls 2), then UPSTREAM_TOO_LARGE saying why', async () => {
    const h = await variant('short', 'per_page');
    const sim = h.sims.get('cursorly')!;
    const res = await h.get('/conversations?limit=5');
    expect(res.status).toBe(502);
    expect(sim.calls).toHaveLength(8);
    expect(sim.calls.every((c) => c.query.get('per_page') === '100' && !c.query.has('limit'))).toBe(true);
    expect(res.body.errors[0]).toMatchObject({
      vendor: 'cursorly',
      code: 'UPSTREAM_TOO_LARGE',
      message: 'cursorly answered 200 items in 8 calls, about 25 a page where 100 were asked: reading it whole would take more than 8 calls (twice what maxItems 300 needs at full pages, plus lazyRead.maxCalls 2); check its maxPageSize, narrow the query, or serve cursorly from a mirror',
    });
  });

  it('the same vendor with full pages is read whole in 3 calls, exact', async () => {
    const h = await variant('full', 'limit');
    const sim = h.sims.get('cursorly')!;
    const res = await h.get('/conversations?limit=5');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(sim.calls).toHaveLength(3);
    expect(res.body.total).toBe(300);
  });
});
