/** Bounds on what one vendor may cost: items held for a whole read, bytes read from one response. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_VENDORS, startHarness, type Harness } from '../helpers/harness.js';

const GATEWAY = (extra: string) => `
upstream:
  timeoutMs: 2000
${extra}
`;

describe('maxItems: a vendor that must be read whole is capped', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ gatewayYaml: GATEWAY('  maxItems: 120'), data: Object.fromEntries(SEED_VENDORS.map((v, i) => [v.name, v.module.demoData(i, 150)])) });
  });
  afterAll(async () => h?.close());

  it('fails only the vendors over the cap, with a clear error, and the rest still answer', async () => {
    const res = await h.get('/conversations?limit=5');
    expect(res.status).toBe(200);
    expect(res.body.partial).toBe(true);
    const byVendor = Object.fromEntries(res.body.sources.map((s: { vendor: string }) => [s.vendor, s]));
    // Superagentes and Uncodie can't order for us, so they must be read whole: 150 > 120.
    for (const v of ['superagentes', 'uncodie']) {
      expect(byVendor[v]).toMatchObject({ status: 'error', error: { code: 'UPSTREAM_TOO_LARGE', message: expect.stringMatching(/more than 120 items/) } });
    }
    // SiteAssist orders for us: read lazily, so the cap never comes into play.
    expect(byVendor.siteassist).toMatchObject({ status: 'ok', total: 150 });
    expect(res.body.data.every((c: { vendor: string }) => c.vendor === 'siteassist')).toBe(true);
    // Uncodie announces its total on the first page: over the cap, no further pages are fetched.
    expect(byVendor.uncodie.calls).toBe(1);
  });

  it('does not call a vendor found too large again for the same query a moment later', async () => {
    await h.get('/conversations?limit=5&orderBy=updatedAt');
    const before = { uncodie: h.sims.get('uncodie')!.calls.length, superagentes: h.sims.get('superagentes')!.calls.length };
    const again = await h.get('/conversations?limit=5&orderBy=updatedAt');
    for (const v of ['superagentes', 'uncodie'] as const) {
      expect(again.body.sources.find((s: { vendor: string }) => s.vendor === v)).toMatchObject({ status: 'error', calls: 0, error: { code: 'UPSTREAM_TOO_LARGE', message: expect.stringMatching(/not called again yet/) } });
      expect(h.sims.get(v)!.calls.length, v).toBe(before[v]);
    }
  });
});

describe('maxResponseBytes: one response body is capped', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ gatewayYaml: GATEWAY('  maxResponseBytes: 4096'), data: Object.fromEntries(SEED_VENDORS.map((v, i) => [v.name, v.module.demoData(i, 60)])) });
  });
  afterAll(async () => h?.close());

  it('aborts the read over the cap and reports UPSTREAM_TOO_LARGE for that vendor only', async () => {
    const res = await h.get('/conversations?limit=2&vendor=superagentes,siteassist');
    expect(res.status).toBe(200);
    const byVendor = Object.fromEntries(res.body.sources.map((s: { vendor: string }) => [s.vendor, s]));
    expect(byVendor.superagentes).toMatchObject({ status: 'error', error: { code: 'UPSTREAM_TOO_LARGE', upstreamStatus: 200, message: expect.stringMatching(/over 4096 bytes/) } });
    expect(byVendor.siteassist.status).toBe('ok');
  });

  it('a body over the cap is our limit, not the vendor failing: its circuit stays closed', async () => {
    for (let i = 0; i < 6; i++) await h.get(`/conversations?limit=2&vendor=superagentes,siteassist&orderBy=createdAt&search=x${i}`);
    const v = (await h.get('/vendors')).body.data.find((x: { name: string }) => x.name === 'superagentes');
    expect(v.state.breaker).toMatchObject({ state: 'closed', failures: 0 });
  });
});
