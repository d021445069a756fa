/** Hot reload: a valid config takes over for new requests, an invalid one is refused, in-flight ones finish. */
import { execFile } from 'node:child_process';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watchConfig } from '../../src/config/watch.js';
import { startHarness, type Harness } from '../helpers/harness.js';

let h: Harness;
let original: string;
const file = () => join(h.configDir, 'vendors', 'superagentes.yaml');
const vendorsIn = (body: { sources: { vendor: string }[] }) => body.sources.map((s) => s.vendor).sort();

beforeAll(async () => {
  h = await startHarness();
  original = await readFile(file(), 'utf8');
});
afterAll(async () => h?.close());

describe('reload', () => {
  it('disables a vendor for new requests while a request in flight finishes on the old config', async () => {
    h.sims.get('superagentes')!.latencyMs = 300;
    const inFlight = h.get('/conversations?limit=3');
    await new Promise((r) => setTimeout(r, 50));
    await writeFile(file(), original.replace(/^name: superagentes$/m, 'name: superagentes\nenabled: false'));
    expect(await h.gateway.reload()).toEqual({ ok: true, vendors: ['siteassist', 'uncodie'] });
    const after = await h.get('/conversations?limit=3');
    expect(vendorsIn(after.body)).toEqual(['siteassist', 'uncodie']);
    const before = await inFlight;
    expect(before.status).toBe(200);
    expect(vendorsIn(before.body)).toEqual(['siteassist', 'superagentes', 'uncodie']);
    expect((await h.get('/conversations?vendor=superagentes')).status).toBe(400); // not a vendor one can name now
    h.sims.get('superagentes')!.latencyMs = 0;
  });

  it('refuses an invalid config with the same messages as config check, and keeps serving the old one', async () => {
    await writeFile(file(), original.replace('maxPageSize', 'maxPageSise').replace('style: none', 'style: sideways'));
    const r = await h.gateway.reload();
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems[0]).toMatchObject({ file: join('vendors', 'superagentes.yaml'), path: expect.stringMatching(/^request\.pagination/) });
    const line = h.logger.lines.find((l) => l.level === 'error' && /reload refused/.test(l.msg ?? ''));
    expect(line?.msg).toMatch(/vendors\/superagentes\.yaml:\d+: request\.pagination/);
    const res = await h.get('/conversations?limit=3');
    expect(res.status).toBe(200);
    expect(vendorsIn(res.body)).toEqual(['siteassist', 'uncodie']); // still the last good config
  });

  it('brings the vendor back, on the same embedded simulator', async () => {
    await writeFile(file(), original);
    expect((await h.gateway.reload()).ok).toBe(true);
    const res = await h.get('/conversations?limit=3');
    expect(vendorsIn(res.body)).toEqual(['siteassist', 'superagentes', 'uncodie']);
    expect(res.body.sources.every((s: { status: string }) => s.status === 'ok')).toBe(true);
  });
});

describe('CONFIG_WATCH', () => {
  it('keeps seeing a file that editors replace (write a temp file and rename it over; sed -i), reloading each time', async () => {
    await writeFile(file(), original);
    expect((await h.gateway.reload()).ok).toBe(true);
    const reloads: string[][] = [];
    const watcher = watchConfig(h.configDir, () => void h.gateway.reload().then((r) => r.ok && reloads.push(r.vendors)), { debounceMs: 50 });
    await watcher.ready;
    const vendors = async () => vendorsIn((await h.get('/conversations?limit=1')).body);
    /** Polls the real gateway until it answers with these vendors (the watch is asynchronous by nature). */
    const eventually = async (want: string[]) => {
      for (let i = 0; i < 200 && JSON.stringify(await vendors()) !== JSON.stringify(want); i++) await new Promise((r) => setTimeout(r, 50));
      return vendors();
    };
    try {
      expect(await vendors()).toEqual(['siteassist', 'superagentes', 'uncodie']);

      // 1. Replace by rename, as editors and `mv` do: the original inode is gone.
      const temp = `${file()}.tmp-${process.pid}`;
      await writeFile(temp, original.replace(/^name: superagentes$/m, 'name: superagentes\nenabled: false'));
      await rename(temp, file());
      expect(await eventually(['siteassist', 'uncodie'])).toEqual(['siteassist', 'uncodie']);

      // 2. sed -i (GNU sed writes a temp file in the folder and renames it over), on the replaced file.
      await promisify(execFile)('sed', ['-i', '/^enabled: false$/d', file()]);
      expect(await readFile(file(), 'utf8')).toBe(original);
      expect(await eventually(['siteassist', 'superagentes', 'uncodie'])).toEqual(['siteassist', 'superagentes', 'uncodie']);

      // 3. And once more by rename: still watched after two replacements.
      await writeFile(temp, original.replace(/^name: superagentes$/m, 'name: superagentes\nenabled: false'));
      await rename(temp, file());
      expect(await eventually(['siteassist', 'uncodie'])).toEqual(['siteassist', 'uncodie']);
      expect(reloads.length).toBeGreaterThanOrEqual(3);
    } finally {
      await watcher.close();
      await writeFile(file(), original);
      await h.gateway.reload();
    }
  });
});
