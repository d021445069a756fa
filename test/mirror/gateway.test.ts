/**
 * Mirrors through the gateway's HTTP API, as an operator and a caller meet them: warming (read live, and
 * said so), freshness in sources[], /vendors, /readyz and /metrics (checked against /openapi.json), a
 * vendor too large to read live while it warms, reloads that keep or rebuild a mirror, and a store that
 * can't be opened.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SEED_VENDORS, startHarness, type Harness } from '../helpers/harness.js';
import { specValidator, type OpenApiDocument } from '../openapi/spec-validator.js';
import { waitFor } from '../helpers/wait.js';

const seed = (name: string) => SEED_VENDORS.find((v) => v.name === name)!;
const demo = (name: string, n: number) => seed(name).module.demoData(3, n);

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const until = (what: string, ok: () => Promise<boolean>, ms = 10_000) => waitFor(what, ok, ms);

describe('mirrors through the API', () => {
  it('reads a warming vendor live and says why, then serves it from the mirror with its freshness', async () => {
    // A slow vendor from the start: its first full read is still running when the first page is asked for.
    h = await startHarness({ vendors: [seed('superagentes')], data: { superagentes: demo('superagentes', 40) }, mirrors: {}, faults: { superagentes: { kind: 'slow', ms: 600 } } });
    expect((await h.get('/readyz')).body).toMatchObject({ status: 'ready', mirrors: { superagentes: 'warming' } });
    const warming = await h.get('/conversations?limit=3&explain=true');
    h.sims.get('superagentes')!.fault = null;
    expect(warming.status).toBe(200);
    expect(warming.body.sources[0]).toMatchObject({ vendor: 'superagentes', status: 'ok', mode: 'live', total: 40, calls: 1 });
    expect(warming.body.sources[0].reason).toMatch(/^mirror warming .*: read live$/);
    expect(warming.body.plan[0]).toMatchObject({ read: 'whole', mirror: expect.stringMatching(/^mirror warming/) });

    await h.mirrorsReady();
    const served = await h.get('/conversations?limit=3&explain=true');
    expect(served.body.data).toEqual(warming.body.data);
    const s = served.body.sources[0];
    expect(s).toMatchObject({ status: 'ok', mode: 'mirror', total: 40, calls: 0, fetched: 0 });
    expect(Date.now() - Date.parse(s.syncedAt)).toBeGreaterThanOrEqual(s.lagMs - 50);
    expect(s.stale).toBeUndefined();
    expect(served.body.plan[0]).toMatchObject({ read: 'mirror', order: 'mirror' });
    expect((await h.get('/readyz')).body.mirrors).toEqual({ superagentes: 'ready' });
  });

  it('publishes each mirror in /vendors, /readyz and /metrics, as /openapi.json describes them', async () => {
    h = await startHarness({ mirrors: {}, data: { uncodie: demo('uncodie', 130), superagentes: demo('superagentes', 50), siteassist: demo('siteassist', 20) } });
    await h.mirrorsReady();
    const spec = specValidator((await h.get('/openapi.json')).body as OpenApiDocument);
    const vendors = await h.get('/vendors');
    expect(spec.check('/vendors', 'get', 200, 'application/json', vendors.body)).toEqual([]);
    const byName = Object.fromEntries(vendors.body.data.map((v: { name: string; mirror: unknown }) => [v.name, v.mirror]));
    expect(byName.siteassist).toBeNull();
    expect(byName.uncodie).toMatchObject({ state: 'ready', rows: 130, syncing: true, strategy: 'head (first 1 page) every 30 s, full read every 30 min', lastSync: { error: null } });
    expect(byName.superagentes).toMatchObject({ state: 'ready', rows: 50, strategy: expect.stringMatching(/^head \(createdAfter filter\)/) });
    expect(Date.parse(byName.uncodie.nextSyncAt)).toBeGreaterThan(Date.now());
    const ready = await h.get('/readyz');
    expect(spec.check('/readyz', 'get', 200, 'application/json', ready.body)).toEqual([]);
    const page = await h.get('/conversations?limit=5&explain=true');
    expect(spec.check('/conversations', 'get', 200, 'application/json', page.body)).toEqual([]);
    expect(page.body.sources.map((x: { mode: string }) => x.mode)).toEqual(['live', 'mirror', 'mirror']);

    const metrics = (await h.get('/metrics')).body as string;
    expect(metrics).toMatch(/^switchboard_mirror_rows\{vendor="uncodie"\} 130$/m);
    expect(metrics).toMatch(/^switchboard_mirror_state\{vendor="superagentes"\} 1$/m);
    expect(metrics).toMatch(/^switchboard_mirror_lag_seconds\{vendor="uncodie"\} \d/m);
    expect(metrics).toMatch(/^switchboard_mirror_sync_total\{vendor="uncodie",kind="full",outcome="ok"\} 1$/m);
    expect(metrics).toMatch(/^switchboard_mirror_sync_calls_total\{vendor="uncodie"\} [2-9]/m);
    // One log line per pass, with its figures.
    const pass = h.logger.lines.find((l) => l.msg === 'mirror full pass done' && (l.obj as { vendor: string }).vendor === 'uncodie');
    expect(pass?.obj).toMatchObject({ calls: 2, items: 130, changed: 130, deleted: 0, rows: 130 });
  });

  it('says stale past mirror.maxLagMs, and still serves', async () => {
    h = await startHarness({ vendors: [seed('siteassist')], mirrors: { serveAlways: true }, data: { siteassist: demo('siteassist', 10) } });
    await writeFile(join(h.configDir, 'vendors', 'siteassist.yaml'), (await readFile(join(h.configDir, 'vendors', 'siteassist.yaml'), 'utf8')).replace('mirror:\n  serve: always', 'mirror:\n  serve: always\n  maxLagMs: 1'));
    expect((await h.gateway.reload()).ok).toBe(true);
    await h.mirrorsReady();
    await new Promise((r) => setTimeout(r, 5));
    const res = await h.get('/conversations?limit=2');
    expect(res.body.sources[0]).toMatchObject({ mode: 'mirror', status: 'ok', stale: true });
    const v = await h.get('/vendors');
    expect(v.body.data[0].mirror.state).toBe('stale');
  });

  it('while warming, does not call a vendor it knows too large to read whole', async () => {
    const gatewayYaml = (await readFile(join(process.cwd(), 'config/gateway.yaml'), 'utf8')).replace('maxItems: 5000', 'maxItems: 50');
    // A budget of 2 calls then one a minute: the first full read stops after two pages and waits.
    h = await startHarness({ vendors: [seed('uncodie')], data: { uncodie: demo('uncodie', 230) }, gatewayYaml, mirrors: {}, env: { UNCODIE_RATE_PER_MINUTE: '1', UNCODIE_RATE_BURST: '2' } });
    const hh = h;
    await until('the sync to have counted the vendor', async () => ((await hh.gateway.mirrors!.status()).get('uncodie')?.rows ?? 0) >= 200);
    const sim = hh.sims.get('uncodie')!;
    const before = sim.calls.length;
    const res = await hh.get('/conversations?limit=3');
    expect(res.status).toBe(502);
    expect(res.body.errors[0]).toMatchObject({ vendor: 'uncodie', code: 'UPSTREAM_TOO_LARGE', message: expect.stringMatching(/^uncodie holds at least 230 conversations, more than maxItems \(50\) to read whole: .*; mirror warming \(first full read: 200 conversations so far\)$/) });
    expect(sim.calls.length).toBe(before);
  });

  it('a reload keeps the mirror when only its schedule changed, and rebuilds it (read live meanwhile) when the mapping changed', async () => {
    h = await startHarness({ vendors: [seed('uncodie')], data: { uncodie: demo('uncodie', 30) }, mirrors: {} });
    await h.mirrorsReady();
    const file = join(h.configDir, 'vendors', 'uncodie.yaml');
    const yaml = await readFile(file, 'utf8');
    const idOf = async () => (await h!.gateway.mirrors!.store.list('uncodie')).map((m) => m.id);
    const [first] = await idOf();

    await writeFile(file, yaml.replace('${UNCODIE_MIRROR_EVERY:-30s}', '45s'));
    expect((await h.gateway.reload()).ok).toBe(true);
    expect(await idOf()).toEqual([first]);
    expect((await h.get('/conversations?limit=1')).body.sources[0].mode).toBe('mirror');
    expect((await h.get('/vendors')).body.data[0].mirror.strategy).toMatch(/every 45 s/);

    // A different mapping (the title read from another field): the old copy is never served again.
    h.sims.get('uncodie')!.latencyMs = 300;
    await writeFile(file, yaml.replace('    title: title\n', '    title: { path: title, default: untitled }\n'));
    expect((await h.gateway.reload()).ok).toBe(true);
    const during = await h.get('/conversations?limit=1');
    expect(during.body.sources[0]).toMatchObject({ mode: 'live', reason: expect.stringMatching(/^mirror warming/) });
    h.sims.get('uncodie')!.latencyMs = 0;
    await h.mirrorsReady();
    expect((await h.get('/conversations?limit=1')).body.sources[0].mode).toBe('mirror');
    // The previous mirror (old mapping) is dropped once the new one is ready.
    const hh = h;
    await until('the old mirror to be dropped', async () => (await idOf()).length === 1);
    expect((await idOf())[0]).not.toBe(first);
    expect(hh.logger.lines.some((l) => l.msg?.startsWith("dropped the vendor's previous mirror"))).toBe(true);

    // Other credentials (a new API key): a copy made with the old ones is never served either.
    const second = (await idOf())[0];
    await writeFile(file, (await readFile(file, 'utf8')).replace('value: ${UNCODIE_API_KEY:-}', 'value: a-rotated-api-key'));
    expect((await h.gateway.reload()).ok).toBe(true);
    await h.mirrorsReady();
    await until('the copy made with the old key to be dropped', async () => (await idOf()).length === 1 && (await idOf())[0] !== second);
  });

  it('serves a mirrored vendor live when its store stops answering, and says why', async () => {
    h = await startHarness({ vendors: [seed('superagentes')], data: { superagentes: demo('superagentes', 15) }, mirrors: {} });
    await h.mirrorsReady();
    expect((await h.get('/conversations?limit=2')).body.sources[0].mode).toBe('mirror');
    await h.gateway.mirrors!.store.close();
    const res = await h.get('/conversations?limit=2');
    expect(res.status).toBe(200);
    expect(res.body.sources[0]).toMatchObject({ status: 'ok', mode: 'live', total: 15, reason: expect.stringMatching(/^mirror store unavailable \(.+\): read live$/) });
  });

  it('starts and serves live when the mirror store cannot be opened, saying so without its credentials', async () => {
    h = await startHarness({ vendors: [seed('superagentes')], data: { superagentes: demo('superagentes', 12) }, mirrors: { store: 'postgres://switchboard:s3cret-pass@127.0.0.1:1/none' } });
    const res = await h.get('/conversations?limit=2');
    expect(res.status).toBe(200);
    expect(res.body.sources[0]).toMatchObject({ mode: 'live', status: 'ok', total: 12 });
    const err = h.logger.lines.find((l) => l.level === 'error' && l.msg?.startsWith("mirror store can't be opened"));
    expect(err).toBeDefined();
    expect(JSON.stringify(err)).not.toContain('s3cret-pass');
    expect(JSON.stringify(err)).toContain('127.0.0.1:1');
  });
});
