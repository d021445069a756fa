/**
 * The operator metrics over real HTTP: /metrics passes promtool's rules (checked by a strict parser), per
 * client requests and refusals labelled only with configured ids, the vendor cache counter by vendor,
 * in-flight and queued requests, config reloads and the loaded config's hash, and the build.
 */
import { spawnSync } from 'node:child_process';
import { writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { bearer, newKey } from '../inbound/clients.js';
import { until } from '../inbound/stepped-clock.js';
import { parseExposition, type Exposition } from './exposition.js';
import { lintExposition } from './promlint.js';

const alpha = newKey();
const beta = newKey();
const gatewayYaml = (extra = '') => `
inbound:
  clients:
    - id: alpha
      keySha256: ${alpha.sha256}
    - id: beta
      keySha256: ${beta.sha256}
  rateLimit: { perMinute: 60000, burst: 10000 }
  authFailures: { enabled: false }
upstream:
  # A hung vendor call outlives the callers that left (the cache shares it): this bounds it.
  timeoutMs: 800
  cache: { ttlMs: 60000 }
http:
  maxConcurrent: 1
  maxQueued: 5
  maxQueueWaitMs: 30000
${extra}`;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ gatewayYaml: gatewayYaml() });
});
afterAll(async () => h?.close());

async function scrapeText(): Promise<string> {
  const res = await h.get('/metrics');
  expect(res.status).toBe(200);
  return res.body as string;
}
const scrape = async (): Promise<Exposition> => parseExposition(await scrapeText());

describe('the exposition', () => {
  it('passes promtool check metrics: no gauge ends in _total (prom-client\'s nodejs_active_*_total are gone), HELP and TYPE everywhere, no duplicate series', async () => {
    await h.get('/conversations?limit=2', bearer(alpha));
    await h.get('/conversations?limit=x', bearer(beta));
    const text = await scrapeText();
    expect(lintExposition(text)).toEqual([]);
    expect(text).not.toMatch(/^nodejs_active_(handles|requests|resources)_total/m);
    // The by-type gauges they summed are still there.
    expect(text).toMatch(/^# TYPE nodejs_active_handles gauge$/m);
  });

  // The real thing where it is installed (Debian's `prometheus` package has it); the rules above otherwise.
  const promtool = spawnSync('promtool', ['--version']).status === 0;
  it.runIf(promtool)('promtool check metrics itself passes it (where promtool is installed)', async () => {
    await h.get('/conversations?limit=2', bearer(alpha));
    const run = spawnSync('promtool', ['check', 'metrics'], { input: await scrapeText(), encoding: 'utf8' });
    expect(run.stdout + run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('the linter is strict: it flags what promtool flags', () => {
    const bad = [
      '# HELP nodejs_active_handles_total x', '# TYPE nodejs_active_handles_total gauge', 'nodejs_active_handles_total 3',
      '# TYPE calls counter', 'calls 1',
      '# HELP latency_ms x', '# TYPE latency_ms gauge', 'latency_ms 1', 'latency_ms 2',
      '# HELP a_b x', '# TYPE a_b gauge', 'a_b{fooBar="1"} 1', '',
    ].join('\n');
    const problems = lintExposition(bad);
    expect(problems).toEqual(expect.arrayContaining([
      'nodejs_active_handles_total: non-counter metrics should not have "_total" suffix',
      'calls: counter metrics should have "_total" suffix',
      'calls: no help text',
      'latency_ms: metric names should not contain abbreviated units ("ms")',
      expect.stringMatching(/duplicate series latency_ms/),
      expect.stringMatching(/snake_case.*fooBar/),
    ]));
  });
});

describe('per client', () => {
  it('counts requests and refusals by configured client id; a wrong key, no key or a made-up id header is anonymous', async () => {
    const before = await scrape();
    await h.get('/conversations?limit=1', bearer(alpha));
    await h.get('/conversations?limit=nope', bearer(alpha));
    await h.get('/conversations?limit=1', { authorization: 'Bearer made-up-client-0123456789abcdefghij', 'x-client-id': 'evil' });
    await h.get('/conversations?limit=1', { 'x-client-id': 'alpha' });
    const m = await scrape();
    const delta = (name: string, labels: Record<string, string>) => m.sum(name, labels) - before.sum(name, labels);
    expect(delta('switchboard_client_requests_total', { client: 'alpha', class: '2xx' })).toBe(1);
    expect(delta('switchboard_client_requests_total', { client: 'alpha', class: '4xx' })).toBe(1);
    expect(delta('switchboard_client_refusals_total', { client: 'alpha', code: 'INVALID_REQUEST' })).toBe(1);
    expect(delta('switchboard_client_refusals_total', { client: 'anonymous', code: 'UNAUTHORIZED' })).toBe(2);
    const clients = new Set([...m.select('switchboard_client_requests_total'), ...m.select('switchboard_client_refusals_total')].map((s) => s.labels.client));
    expect([...clients].sort()).toEqual(['alpha', 'anonymous', 'beta']);
    // beta's series exist from the start (0 until it asks), so rate() sees its first request.
    expect(m.select('switchboard_client_requests_total', { client: 'beta' }).length).toBeGreaterThan(0);
  });
});

describe('the vendor cache', () => {
  it('counts lookups by vendor and result, configured vendors only', async () => {
    h.resetState();
    await h.get('/conversations?limit=3&vendor=siteassist&orderBy=createdAt', bearer(alpha));
    const r = await h.get('/conversations?limit=3&vendor=siteassist&orderBy=createdAt', bearer(alpha));
    const m = await scrape();
    expect(r.status).toBe(200);
    expect(m.value('switchboard_vendor_cache_total', { vendor: 'siteassist', result: 'hit' })).toBeGreaterThan(0);
    expect(m.value('switchboard_vendor_cache_total', { vendor: 'siteassist', result: 'miss' })).toBeGreaterThan(0);
    const vendors = new Set(m.select('switchboard_vendor_cache_total').map((s) => s.labels.vendor));
    expect([...vendors].sort()).toEqual(h.gateway.vendors.map((v) => v.name).sort());
  });
});

describe('in flight and queued', () => {
  it('shows the requests being worked on and those waiting for a turn', async () => {
    const sim = h.sims.get('siteassist')!;
    // Slow, not hung: a hung call would hold the simulator's connection past the test.
    sim.latencyMs = 1000;
    const leave = new AbortController();
    // Its own agent, closed at the end: no keep-alive socket of it holds the server's close.
    const agent = new Agent();
    const ask = () => request(`${h.url}/conversations?limit=1&vendor=siteassist&orderBy=updatedAt`, { headers: bearer(alpha), signal: leave.signal, dispatcher: agent }).catch(() => undefined);
    const held = [ask(), ask(), ask()];
    const guard = h.gateway.guards.overload;
    await until(() => guard.active === 1 && guard.queued === 2, 'one in flight, two queued');
    const m = await scrape();
    expect(m.value('switchboard_inflight_requests')).toBe(1);
    expect(m.value('switchboard_queued_requests')).toBe(2);
    leave.abort();
    await Promise.all(held);
    await agent.destroy();
    sim.latencyMs = 0;
    await until(() => guard.active === 0 && guard.queued === 0, 'all gone');
    const after = await scrape();
    expect(after.value('switchboard_inflight_requests')).toBe(0);
    expect(after.value('switchboard_queued_requests')).toBe(0);
  });
});

describe('config reloads and the config hash', () => {
  it('counts reloads by result; the hash changes with an accepted config and stays with a refused one', async () => {
    const hashOf = (m: Exposition) => {
      const s = m.select('switchboard_config_info');
      expect(s).toHaveLength(1);
      expect(s[0]!.value).toBe(1);
      return s[0]!.labels.hash!;
    };
    const first = await scrape();
    const hash0 = hashOf(first);
    expect(hash0).toMatch(/^[0-9a-f]{16}$/);
    const file = join(h.configDir, 'gateway.yaml');
    const original = await readFile(file, 'utf8');
    await writeFile(file, gatewayYaml('cursor:\n  ttlSeconds: 1234\n'));
    expect((await h.gateway.reload()).ok).toBe(true);
    const second = await scrape();
    const hash1 = hashOf(second);
    expect(hash1).not.toBe(hash0);
    await writeFile(file, 'inbound: [not, a, map]\n');
    expect((await h.gateway.reload()).ok).toBe(false);
    const third = await scrape();
    expect(hashOf(third)).toBe(hash1);
    const reloads = (m: Exposition, result: string) => m.value('switchboard_config_reloads_total', { result });
    expect(reloads(third, 'ok')! - reloads(first, 'ok')!).toBe(1);
    expect(reloads(third, 'refused')! - reloads(first, 'refused')!).toBe(1);
    expect(third.value('switchboard_config_loaded_timestamp_seconds')).toBeGreaterThan(1.7e9);
    await writeFile(file, original);
    expect((await h.gateway.reload()).ok).toBe(true);
  });
});

describe('the build', () => {
  it('switchboard_build_info names the package version and the Node.js version', async () => {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const m = await scrape();
    expect(m.select('switchboard_build_info')).toEqual([
      { name: 'switchboard_build_info', labels: { version: pkg.version, node_version: process.versions.node, commit: 'unknown' }, value: 1 },
    ]);
  });
});
