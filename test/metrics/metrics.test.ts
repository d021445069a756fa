/**
 * GET /metrics over real HTTP: request counters by route pattern, per-vendor counters that add up to what
 * the responses' `sources[]` said, breaker states read from the state store, cache and outbound-budget
 * counters, and the process metrics.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { startHarness, type Harness } from '../helpers/harness.js';
import { parseExposition, type Exposition } from './exposition.js';

interface Source {
  vendor: string;
  status: 'ok' | 'error' | 'skipped';
  error?: { code: string };
  fetched: number;
  calls: number;
  dropped: number;
  retries: number;
  latencyMs: number;
}

const VENDORS = ['uncodie', 'superagentes', 'siteassist'];

async function scrape(h: Harness): Promise<Exposition> {
  const res = await h.get('/metrics');
  expect(res.status).toBe(200);
  expect(typeof res.body).toBe('string');
  return parseExposition(res.body as string);
}

/** Adds up a per-vendor field over every response's sources. */
function total(sources: Source[], vendor: string, field: 'fetched' | 'calls' | 'dropped' | 'retries'): number {
  return sources.filter((s) => s.vendor === vendor).reduce((a, s) => a + s[field], 0);
}

describe('GET /metrics', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());
  afterEach(() => {
    for (const sim of h.sims.values()) sim.fault = null;
    h.resetState();
  });

  it('is Prometheus text, open without auth, with the process metrics', async () => {
    const res = await h.get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(Registry.PROMETHEUS_CONTENT_TYPE);
    const m = parseExposition(res.body as string);
    expect(m.types.get('process_cpu_user_seconds_total')).toBe('counter');
    expect(m.value('process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(m.value('nodejs_heap_size_total_bytes')).toBeGreaterThan(0);
    expect(m.types.get('switchboard_http_requests_total')).toBe('counter');
    expect(m.types.get('switchboard_http_request_duration_seconds')).toBe('histogram');
    expect(m.types.get('switchboard_vendor_breaker_state')).toBe('gauge');
  });

  it('counts requests by route pattern, method and status; unknown paths as unmatched', async () => {
    const before = await scrape(h);
    const count = (m: Exposition, route: string, status: string) => m.value('switchboard_http_requests_total', { route, method: 'GET', status }) ?? 0;

    for (let i = 0; i < 3; i++) expect((await h.get('/conversations?limit=5')).status).toBe(200);
    expect((await h.get('/conversations?limit=0')).status).toBe(400);
    expect((await h.get('/healthz')).status).toBe(200);
    expect((await h.get('/no/such/path')).status).toBe(404);
    expect((await h.get('/conversations/abc123/more')).status).toBe(404);
    // GET /conversations/{id} counts under its pattern, never the id.
    expect((await h.get('/conversations/nope:abc123')).status).toBe(404);
    const after = await scrape(h);

    expect(count(after, '/conversations', '200') - count(before, '/conversations', '200')).toBe(3);
    expect(count(after, '/conversations', '400') - count(before, '/conversations', '400')).toBe(1);
    expect(count(after, '/healthz', '200') - count(before, '/healthz', '200')).toBe(1);
    expect(count(after, '/conversations/:id', '404') - count(before, '/conversations/:id', '404')).toBe(1);
    expect(count(after, 'unmatched', '404') - count(before, 'unmatched', '404')).toBe(2);
    // The scrape before this one was counted, under its route.
    expect(count(after, '/metrics', '200')).toBeGreaterThanOrEqual(1);
    // Raw paths never become label values.
    const routes = new Set(after.select('switchboard_http_requests_total').map((s) => s.labels.route));
    expect([...routes].sort()).toEqual(expect.arrayContaining(['/conversations', '/healthz', '/metrics', 'unmatched']));
    for (const r of routes) expect(['/conversations', '/conversations/:id', '/healthz', '/readyz', '/metrics', 'unmatched']).toContain(r);

    // The histogram saw each request once.
    const hist = { route: '/conversations', method: 'GET', status: '200' };
    const observed = (m: Exposition) => m.value('switchboard_http_request_duration_seconds_count', hist) ?? 0;
    expect(observed(after) - observed(before)).toBe(3);
    expect(after.value('switchboard_http_request_duration_seconds_sum', hist)).toBeGreaterThan(0);
    expect(after.value('switchboard_http_request_duration_seconds_bucket', { ...hist, le: '+Inf' })).toBe(observed(after));
  });

  it('adds up to what the responses reported in sources[]', async () => {
    const before = await scrape(h);
    h.sims.get('superagentes')!.fault = { kind: 'internal' };
    const sources: Source[] = [];
    for (const q of ['limit=5', 'limit=20&orderBy=createdAt', 'status=open&limit=3']) {
      const res = await h.get(`/conversations?${q}`);
      expect(res.status).toBe(200);
      sources.push(...(res.body.sources as Source[]));
    }
    const after = await scrape(h);
    const delta = (name: string, labels: Record<string, string>) => (after.value(name, labels) ?? 0) - (before.value(name, labels) ?? 0);

    const superagentes = sources.filter((s) => s.vendor === 'superagentes');
    expect(superagentes.map((s) => s.error?.code ?? s.status)).toContain('UPSTREAM_ERROR');

    for (const vendor of VENDORS) {
      const outcomes = new Map<string, number>();
      for (const s of sources.filter((x) => x.vendor === vendor)) {
        const o = s.status === 'error' ? s.error!.code : s.status;
        outcomes.set(o, (outcomes.get(o) ?? 0) + 1);
      }
      for (const [outcome, n] of outcomes) expect(delta('switchboard_vendor_requests_total', { vendor, outcome }), `${vendor} ${outcome}`).toBe(n);
      expect(delta('switchboard_vendor_items_fetched_total', { vendor })).toBe(total(sources, vendor, 'fetched'));
      expect(delta('switchboard_vendor_calls_total', { vendor })).toBe(total(sources, vendor, 'calls'));
      expect(delta('switchboard_vendor_items_dropped_total', { vendor })).toBe(total(sources, vendor, 'dropped'));
      expect(delta('switchboard_vendor_retries_total', { vendor })).toBe(total(sources, vendor, 'retries'));

      const called = sources.filter((s) => s.vendor === vendor && s.calls > 0);
      expect(delta('switchboard_vendor_latency_seconds_count', { vendor })).toBe(called.length);
      const seconds = called.reduce((a, s) => a + s.latencyMs, 0) / 1000;
      // Reports round latencies to whole milliseconds; the histogram keeps them as reported.
      expect(delta('switchboard_vendor_latency_seconds_sum', { vendor })).toBeCloseTo(seconds, 6);
    }
    // Something was fetched from the healthy vendors, so the sum above is not 0 = 0.
    expect(after.sum('switchboard_vendor_items_fetched_total') - before.sum('switchboard_vendor_items_fetched_total')).toBeGreaterThan(0);
    expect(sources.some((s) => s.status === 'skipped')).toBe(true);
  });

  it('shows each configured vendor closed in the breaker gauge', async () => {
    const m = await scrape(h);
    for (const vendor of VENDORS) expect(m.value('switchboard_vendor_breaker_state', { vendor })).toBe(0);
    expect(m.select('switchboard_vendor_breaker_state')).toHaveLength(VENDORS.length);
  });
});

describe('GET /metrics: breakers and failed requests', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ gatewayYaml: 'upstream:\n  breaker: { failureThreshold: 1, cooldownMs: 60000 }\n' });
  });
  afterAll(() => h.close());

  it('reads the breaker state from the store, and counts vendors of a request that failed whole', async () => {
    h.sims.get('superagentes')!.fault = { kind: 'internal' };
    const first = await h.get('/conversations?vendor=superagentes');
    expect(first.status).toBe(502);
    expect(first.body.errors).toEqual([expect.objectContaining({ vendor: 'superagentes', code: 'UPSTREAM_ERROR' })]);

    let m = await scrape(h);
    expect(m.value('switchboard_vendor_breaker_state', { vendor: 'superagentes' })).toBe(2);
    expect(m.value('switchboard_vendor_breaker_state', { vendor: 'uncodie' })).toBe(0);
    expect(m.value('switchboard_vendor_breaker_state', { vendor: 'siteassist' })).toBe(0);
    expect(m.value('switchboard_vendor_requests_total', { vendor: 'superagentes', outcome: 'UPSTREAM_ERROR' })).toBe(1);
    expect(m.value('switchboard_http_requests_total', { route: '/conversations', method: 'GET', status: '502' })).toBe(1);

    // The open circuit refuses without calling the vendor.
    const second = await h.get('/conversations?vendor=superagentes');
    expect(second.status).toBe(503);
    m = await scrape(h);
    expect(m.value('switchboard_vendor_requests_total', { vendor: 'superagentes', outcome: 'UPSTREAM_UNAVAILABLE' })).toBe(1);
    expect(m.value('switchboard_vendor_breaker_state', { vendor: 'superagentes' })).toBe(2);
  });
});

describe('GET /metrics: vendor cache and outbound budget', () => {
  let h: Harness;
  beforeAll(async () => {
    // Uncodie's budget: one token, then one every 100 ms; its 250 ms wait window lets a read of 3 pages wait.
    h = await startHarness({ env: { VENDOR_CACHE_TTL_MS: '60000', UNCODIE_RATE_PER_MINUTE: '600', UNCODIE_RATE_BURST: '1' } });
  });
  afterAll(() => h.close());

  it('reads cache hits and misses from the upstream, and sums outbound waits per vendor', async () => {
    const sources: Source[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await h.get('/conversations?limit=5');
      expect(res.status).toBe(200);
      sources.push(...(res.body.sources as Source[]));
    }
    const m = await scrape(h);
    const cache = (result: string) => m.sum('switchboard_vendor_cache_total', { result });
    const calls = sources.reduce((a, s) => a + s.calls, 0);
    // Every vendor call is one lookup: the second, identical request is answered from the cache.
    expect(cache('hit') + cache('stale') + cache('miss')).toBe(calls);
    expect(cache('hit')).toBeGreaterThan(0);
    expect(cache('stale')).toBe(0);
    expect(cache('coalesced')).toBe(0);

    // Uncodie is read whole: page 1, then pages 2 and 3 at once. The bucket holds at most one token when
    // they ask, so together they wait 100 to 200 ms + 100 ms for tokens, however long page 1 took. Cached
    // pages spend none.
    expect(total(sources, 'uncodie', 'calls')).toBe(6);
    const waited = m.value('switchboard_vendor_ratelimit_wait_seconds_total', { vendor: 'uncodie' })!;
    expect(waited).toBeGreaterThanOrEqual(0.1);
    expect(waited).toBeLessThanOrEqual(0.302);
    expect(m.value('switchboard_vendor_ratelimit_wait_seconds_total', { vendor: 'siteassist' })).toBe(0);
  });
});

describe('one registry per app', () => {
  it('keeps two gateways in one process apart', async () => {
    const [a, b] = await Promise.all([startHarness(), startHarness()]);
    try {
      await a.get('/healthz');
      await a.get('/healthz');
      await b.get('/healthz');
      const ma = await scrape(a);
      const mb = await scrape(b);
      const healthz = { route: '/healthz', method: 'GET', status: '200' };
      expect(ma.value('switchboard_http_requests_total', healthz)).toBe(2);
      expect(mb.value('switchboard_http_requests_total', healthz)).toBe(1);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
