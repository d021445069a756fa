/** GET /vendors: what each vendor's config allows, and how it is doing right now. */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { bearer, newKey } from '../inbound/clients.js';
import { specValidator, type OpenApiDocument } from '../openapi/spec-validator.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ gatewayYaml: 'upstream:\n  breaker: { failureThreshold: 1, cooldownMs: 60000 }\n' });
});
afterAll(async () => h?.close());

const byName = async () => {
  const res = await h.get('/vendors');
  expect(res.status).toBe(200);
  return Object.fromEntries(res.body.data.map((v: { name: string }) => [v.name, v])) as Record<string, any>;
};

describe('GET /vendors', () => {
  it('lists each vendor with what its config pushes down, checks here or cannot do', async () => {
    const v = await byName();
    expect(Object.keys(v).sort()).toEqual(['siteassist', 'superagentes', 'uncodie']);
    expect(v.siteassist.capabilities).toMatchObject({
      filters: { status: 'pushed, re-checked here', channel: 'constant', agentId: 'unsupported', search: 'here', createdAfter: 'here' },
      order: { lastActivityAt: 'pushed', createdAt: 'pushed', updatedAt: 'pushed' },
      paging: 'offset',
      read: { lastActivityAt: 'lazy' },
    });
    expect(v.superagentes.capabilities).toMatchObject({ filters: { search: 'pushed', createdAfter: 'pushed, re-checked here', leadId: 'unsupported' }, paging: 'none', read: { createdAt: 'whole' } });
    expect(v.uncodie.capabilities).toMatchObject({ filters: { status: 'unsupported', leadId: 'pushed, re-checked here' }, order: { createdAt: 'here' }, rateLimit: { perMinute: 1000000 } });
    // Every order the vendor sorts in, and how it is asked: none for a vendor that can't sort.
    expect(v.siteassist.capabilities.orders).toHaveLength(6);
    expect(v.siteassist.capabilities.orders).toContainEqual({ by: 'createdAt', dir: 'asc', how: 'param' });
    expect(v.uncodie.capabilities.orders).toEqual([]);
    expect(v.superagentes.capabilities.orders).toEqual([]);
    expect(v.uncodie.state).toEqual({ breaker: { state: 'closed', failures: 0 }, rateLimitedUntil: null, lastSuccessAt: null, lastError: null });
  });

  it('shows live state: an open breaker, a 429 memory, the last success and the last error', async () => {
    h.sims.get('siteassist')!.fault = { kind: 'internal' };
    h.sims.get('superagentes')!.fault = { kind: 'rateLimit', retryAfter: 120 };
    await h.get('/conversations?limit=2');
    h.sims.get('siteassist')!.fault = null;
    h.sims.get('superagentes')!.fault = null;
    const v = await byName();
    expect(v.siteassist.state.breaker).toMatchObject({ state: 'open', failures: 1, probeAt: expect.any(String) });
    expect(v.siteassist.state.lastError).toMatchObject({ code: 'UPSTREAM_ERROR', upstreamStatus: 500 });
    expect(Date.parse(v.superagentes.state.rateLimitedUntil)).toBeGreaterThan(Date.now() + 100_000);
    expect(v.superagentes.state.lastError).toMatchObject({ code: 'RATE_LIMITED' });
    expect(v.uncodie.state.lastSuccessAt).toEqual(expect.any(String));
    h.resetState();
  });

  it('shows a vendor disabled in its YAML, and why, after a reload', async () => {
    const file = join(h.configDir, 'vendors', 'uncodie.yaml');
    const yaml = await readFile(file, 'utf8');
    await writeFile(file, yaml.replace(/^name: uncodie$/m, 'name: uncodie\nenabled: false'));
    expect((await h.gateway.reload()).ok).toBe(true);
    const v = await byName();
    expect(v.uncodie).toMatchObject({ enabled: false, reason: expect.stringMatching(/enabled: false/), origin: null });
    await writeFile(file, yaml);
    await h.gateway.reload();
  });
});

describe('GET /vendors with clients configured', () => {
  const key = newKey();
  const narrow = newKey();
  let g: Harness;
  beforeAll(async () => {
    g = await startHarness({
      gatewayYaml: `inbound:\n  clients:\n    - id: ops\n      keySha256: ${key.sha256}\n    - id: narrow\n      keySha256: ${narrow.sha256}\n      vendors: [siteassist]\nupstream:\n  breaker: { failureThreshold: 1, cooldownMs: 60000 }\n`,
    });
  });
  afterAll(async () => g?.close());

  it('answers only authenticated clients', async () => {
    expect((await g.get('/vendors')).status).toBe(401);
    expect((await g.get('/vendors', bearer(key))).status).toBe(200);
  });

  it("a restricted client sees only its own vendors in /vendors, not the others' origins, states and last errors", async () => {
    // Give another vendor an open breaker and a last error the restricted client must not learn of.
    g.sims.get('uncodie')!.fault = { kind: 'internal' };
    await g.get('/conversations?limit=1&vendor=uncodie', bearer(key));
    g.sims.get('uncodie')!.fault = null;
    const wide = await g.get('/vendors', bearer(key));
    expect(wide.body.data.map((v: { name: string }) => v.name).sort()).toEqual(['siteassist', 'superagentes', 'uncodie']);
    expect(wide.body.data.find((v: { name: string }) => v.name === 'uncodie').state.lastError).toMatchObject({ code: 'UPSTREAM_ERROR' });

    const res = await g.get('/vendors', bearer(narrow));
    expect(res.status).toBe(200);
    expect(res.body.data.map((v: { name: string }) => v.name)).toEqual(['siteassist']);
    const text = JSON.stringify(res.body);
    for (const other of ['uncodie', 'superagentes']) expect(text).not.toContain(other);
    for (const sim of [g.sims.get('uncodie')!, g.sims.get('superagentes')!]) expect(text).not.toContain(new URL(sim.url).host);
    const spec = specValidator((await g.get('/openapi.json')).body as OpenApiDocument);
    expect(spec.check('/vendors', 'get', 200, 'application/json', res.body)).toEqual([]);
    g.resetState();
  });
});

describe('GET /vendors with the vendor cache on', () => {
  let g: Harness;
  beforeAll(async () => {
    g = await startHarness({ env: { VENDOR_CACHE_TTL_MS: '5000', VENDOR_CACHE_SWR_MS: '1000' } });
  });
  afterAll(async () => g?.close());

  it('shows each vendor cache policy, lease included, as the spec describes it', async () => {
    const res = await g.get('/vendors');
    expect(res.status).toBe(200);
    for (const v of res.body.data) expect(v.capabilities.cache, v.name).toEqual({ ttlMs: 5000, staleWhileRevalidateMs: 1000, lockMs: 2000 });
    const spec = specValidator((await g.get('/openapi.json')).body as OpenApiDocument);
    expect(spec.check('/vendors', 'get', 200, 'application/json', res.body)).toEqual([]);
  });
});
