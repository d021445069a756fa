/**
 * Page rules (request.pagination.minPageSize and end), counted at a real simulator behind the in-process
 * gateway: Pagebox, page numbers in the path, with its YAML edited per case.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { dialectVendors, pageboxSimulator } from '../dialects/index.js';
import { startHarness, type Harness } from '../helpers/harness.js';

const dirs: string[] = [];
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** Pagebox with its pagination edited, and no total: what ends a walk is then the page rule alone. */
async function pagebox(rules: string, count: number): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'sb-page-rules-'));
  dirs.push(dir);
  const yaml = (await readFile(dialectVendors.pagebox.configFile, 'utf8'))
    .replace('    maxPageSize: 50\n', `    maxPageSize: 50\n${rules}`)
    .replace('  total: data.meta.total\n', '');
  const configFile = join(dir, 'pagebox.yaml');
  await writeFile(configFile, yaml);
  const harness = await startHarness({ vendors: [{ name: 'pagebox', module: pageboxSimulator, configFile }], data: { pagebox: pageboxSimulator.demoData(3, count) } });
  h = harness;
  return harness;
}

const perPage = (h: Harness) => h.sims.get('pagebox')!.calls.map((c) => Number(c.query.get('per_page')));
const ids = (body: { data: { id: string }[] }) => body.data.map((c) => c.id);

describe('page rules', () => {
  it('minPageSize: the lazy read asks at least minPageSize and trims to the page asked, and the cursor walk is exact', async () => {
    const g = await pagebox('    minPageSize: 20\n', 45);
    const whole = await g.get('/conversations?vendor=pagebox&limit=45');
    expect(whole.status).toBe(200);
    expect(whole.body.data).toHaveLength(45);
    g.sims.get('pagebox')!.calls.length = 0;

    const seen: string[] = [];
    let r = await g.get('/conversations?vendor=pagebox&limit=7');
    for (let n = 0; ; n++) {
      expect(r.status).toBe(200);
      expect(r.body.data.length).toBeLessThanOrEqual(7);
      seen.push(...ids(r.body));
      if (!r.body.nextCursor || n > 10) break;
      r = await g.get(`/conversations?cursor=${encodeURIComponent(r.body.nextCursor)}`);
    }
    expect(seen).toEqual(ids(whole.body));
    // Never fewer than 20 asked, though each page wanted 7.
    expect(perPage(g).length).toBeGreaterThan(0);
    expect(Math.min(...perPage(g))).toBeGreaterThanOrEqual(20);
  });

  it('minPageSize above the page size is a load error naming the key', async () => {
    await expect(pagebox('    minPageSize: 60\n', 5)).rejects.toThrow(/request\.pagination\.minPageSize: 60 is more than the page size 50/);
  });

  it('end: short: a short page is the last one, with no call for the empty page after it', async () => {
    const short = await pagebox('    end: short\n', 16);
    const r = await short.get('/conversations?vendor=pagebox&limit=30');
    expect(r.status).toBe(200);
    expect(r.body.data).toHaveLength(16);
    expect(r.body.nextCursor).toBeNull();
    expect(short.sims.get('pagebox')!.calls).toHaveLength(1);
    await short.close();
    h = undefined;

    // Pagebox's own default (end on an empty page) pays a second call for the same answer.
    const empty = await pagebox('', 16);
    const again = await empty.get('/conversations?vendor=pagebox&limit=30');
    expect(ids(again.body)).toEqual(ids(r.body));
    expect(empty.sims.get('pagebox')!.calls).toHaveLength(2);
  });
});
