/** Hot reload: a valid config takes over for new requests, an invalid one is refused, in-flight ones finish. */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
