/**
 * GET /conversations/{id} over real HTTP: a vendor with a detail request (SiteAssist) read live, mirrored
 * vendors answered from their mirror, one that can do neither saying so, and every refusal in the one schema.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateConversations } from '../../sim/canonical.js';
import { simulators } from '../../sim/index.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { bearer, newKey } from '../inbound/clients.js';

const data = {
  siteassist: generateConversations({ seed: 5, count: 12, idPrefix: 'sia', uuidIds: true, channels: ['website'] }),
  superagentes: generateConversations({ seed: 6, count: 12, idPrefix: 'sup' }),
  uncodie: generateConversations({ seed: 7, count: 12, idPrefix: 'unc', uuidIds: true }),
};
const expected = (vendor: keyof typeof data, i: number, messages = false) => simulators[vendor]!.expected(data[vendor][i]!, vendor, { messages });
/** switchboard_vendor_requests_total{vendor, outcome="ok"} as /metrics says it now. */
async function vendorOk(h: Harness, vendor: string): Promise<number> {
  const text = await (await fetch(`${h.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('switchboard_vendor_requests_total{') && l.includes(`vendor="${vendor}"`) && l.includes('outcome="ok"'));
  return line ? Number(line.split(' ').at(-1)) : 0;
}
const path = (id: string, q = '') => `/conversations/${encodeURIComponent(id)}${q}`;

describe('GET /conversations/{id}, read live (no mirrors)', () => {
  let h: Harness;
  const narrow = newKey();
  const wide = newKey();
  beforeAll(async () => {
    h = await startHarness({
      data,
      env: { API_CLIENTS: JSON.stringify([{ id: 'narrow', keySha256: narrow.sha256, vendors: ['superagentes'] }, { id: 'wide', keySha256: wide.sha256 }]) },
    });
  });
  afterAll(async () => h?.close());

  it('reads a conversation from the vendor detail request, the same item the list shows', async () => {
    const want = expected('siteassist', 3);
    const sim = h.sims.get('siteassist')!;
    const before = sim.calls.length;
    const okBefore = await vendorOk(h, 'siteassist');
    const res = await h.get(path(want.id), bearer(wide));
    // Counted as the vendor's answer, as a page's part is.
    expect(await vendorOk(h, 'siteassist')).toBe(okBefore + 1);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ object: 'conversation', data: want, source: { vendor: 'siteassist', mode: 'live', calls: 1, latencyMs: expect.any(Number) } });
    expect(sim.calls.slice(before).map((c) => c.path)).toEqual([`/v2/conversations/${data.siteassist[3]!.id}`]);
    const listed = await h.get('/conversations?vendor=siteassist&limit=100', bearer(wide));
    expect(listed.body.data.find((c: { id: string }) => c.id === want.id)).toEqual(want);
  });

  it('include=messages gives null where the vendor gives none; include=raw the vendor item', async () => {
    const want = expected('siteassist', 4, true);
    const res = await h.get(path(want.id, '?include=messages,raw'), bearer(wide));
    expect(res.status).toBe(200);
    const { raw, ...rest } = res.body.data;
    expect(rest).toEqual(want);
    expect(rest.messages).toBeNull();
    expect(raw).toMatchObject({ object: 'conversation', id: data.siteassist[4]!.id });
  });

  it("a vendor's 404 is our 404 NOT_FOUND naming the id", async () => {
    const res = await h.get(path('siteassist:123e4567-e89b-12d3-a456-426614174000'), bearer(wide));
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ code: 'NOT_FOUND', status: 404, title: 'Not found' });
    expect(res.body.detail).toMatch(/^no conversation siteassist:123e4567-e89b-12d3-a456-426614174000: vendor siteassist answered 404/);
  });

  it('a vendor with no detail request and no mirror answers 404 saying why, not "unknown route"', async () => {
    const res = await h.get(path(expected('superagentes', 0).id), bearer(wide));
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('NOT_FOUND');
    expect(res.body.detail).toMatch(/superagentes can't be read by id: its config declares no detail request and it is not mirrored/);
    expect(res.body.detail).not.toMatch(/no route/);
  });

  it('an unknown vendor prefix is a 404 naming the known vendors; a malformed id a 400 naming id', async () => {
    const unknown = await h.get(path('nope:1'), bearer(wide));
    expect(unknown.status).toBe(404);
    expect(unknown.body.detail).toBe('no conversation nope:1: no vendor is named nope (known: siteassist, superagentes, uncodie)');
    for (const bad of ['no-colon', ':1', 'siteassist:']) {
      const res = await h.get(path(bad), bearer(wide));
      expect(res.status, bad).toBe(400);
      expect(res.body).toMatchObject({ code: 'INVALID_REQUEST', invalidParams: [{ name: 'id', reason: expect.stringMatching(/<vendor>:/) }] });
    }
  });

  it('a client restricted to other vendors gets 403; unknown query parameters and fields are a 400 naming them', async () => {
    const anonymous = await h.get(path(expected('siteassist', 0).id));
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.code).toBe('UNAUTHORIZED');
    const denied = await h.get(path(expected('siteassist', 0).id), bearer(narrow));
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ code: 'FORBIDDEN', detail: 'client narrow may not read vendor siteassist' });
    const params = await h.get(path(expected('siteassist', 0).id, '?limit=3&fields=title,colour'), bearer(wide));
    expect(params.status).toBe(400);
    expect(params.body.invalidParams).toEqual(
      expect.arrayContaining([{ name: 'limit', reason: 'unknown parameter' }, { name: 'fields', reason: expect.stringMatching(/^unknown fields: colour \(known: id, vendor/) }]),
    );
  });

  it('fields= trims the item (id always kept); the ETag answers If-None-Match with 304', async () => {
    const want = expected('siteassist', 5);
    const res = await h.get(path(want.id, '?fields=title,lastActivityAt'), bearer(wide));
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ id: want.id, title: want.title, lastActivityAt: want.lastActivityAt });
    const tag = res.headers.etag!;
    expect(tag).toMatch(/^W\//);
    const again = await h.get(path(want.id, '?fields=title,lastActivityAt'), { ...bearer(wide), 'if-none-match': tag });
    expect(again.status).toBe(304);
    const whole = await h.get(path(want.id), { ...bearer(wide), 'if-none-match': tag });
    expect(whole.status).toBe(200);
    expect(whole.headers.etag).not.toBe(tag);
  });

  it('vendor failures map as on the list: 5xx → 502 with errors[], a rate limit → 429 with Retry-After', async () => {
    const sim = h.sims.get('siteassist')!;
    const id = expected('siteassist', 1).id;
    try {
      sim.fault = { kind: 'internal' };
      const failed = await h.get(path(id), bearer(wide));
      expect(failed.status).toBe(502);
      expect(failed.body).toMatchObject({ code: 'UPSTREAM_ERROR', errors: [{ vendor: 'siteassist', code: 'UPSTREAM_ERROR', upstreamStatus: 500 }] });
      h.resetState();
      sim.fault = { kind: 'rateLimit', retryAfter: 17 };
      const limited = await h.get(path(id), bearer(wide));
      expect(limited.status).toBe(429);
      expect(limited.headers['retry-after']).toBe('17');
      expect(limited.body).toMatchObject({ code: 'RATE_LIMITED', errors: [{ vendor: 'siteassist', retryAfter: 17 }] });
      h.resetState();
      sim.fault = { kind: 'html', status: 200 };
      const html = await h.get(path(id), bearer(wide));
      expect(html.status).toBe(502);
      expect(html.body.code).toBe('UPSTREAM_INVALID_RESPONSE');
    } finally {
      sim.fault = null;
      h.resetState();
    }
  });

  it('another method on the route is a 405, not a 404', async () => {
    const res = await fetch(h.url + path(expected('siteassist', 0).id), { method: 'DELETE', headers: bearer(wide) });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    // Counted under the route's pattern, never the id asked for (no series per conversation).
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toMatch(/route="\/conversations\/:id",method="DELETE",status="405"/);
    expect(metrics).not.toContain(data.siteassist[0]!.id);
  });

  it('a vendor disabled by the operator is a 404 saying so', async () => {
    const file = join(h.configDir, 'vendors', 'siteassist.yaml');
    const yaml = await readFile(file, 'utf8');
    await writeFile(file, `enabled: false\n${yaml}`);
    try {
      expect((await h.gateway.reload()).ok).toBe(true);
      const res = await h.get(path(expected('siteassist', 0).id), bearer(wide));
      expect(res.status).toBe(404);
      expect(res.body.detail).toMatch(/vendor siteassist is disabled by the operator/);
    } finally {
      await writeFile(file, yaml);
      await h.gateway.reload();
    }
  });
});

describe('GET /conversations/{id}, mirrored vendors', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ data, mirrors: { serveAlways: true } });
    await h.mirrorsReady();
  });
  afterAll(async () => h?.close());

  it('a mirrored vendor without a detail request answers from its mirror, with no vendor call', async () => {
    for (const vendor of ['uncodie', 'superagentes'] as const) {
      const want = expected(vendor, 2, true);
      const res = await h.get(path(want.id, '?include=messages'));
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.data).toEqual(want);
      expect(res.body.source).toMatchObject({ vendor, mode: 'mirror', calls: 0, syncedAt: expect.any(String), lagMs: expect.any(Number) });
      const plain = await h.get(path(want.id, '?fields=id,messageCount'));
      expect(plain.body.data).toEqual({ id: want.id, messageCount: expected(vendor, 2).messageCount });
    }
  });

  it("an id the mirror doesn't hold: 404 from a vendor without a detail request, the vendor asked where it has one", async () => {
    const missing = await h.get(path('uncodie:9be0a6a2-5567-41bf-ad06-cb4014f0faf2'));
    expect(missing.status).toBe(404);
    expect(missing.body.detail).toMatch(/^no conversation uncodie:9be0a6a2-5567-41bf-ad06-cb4014f0faf2: vendor uncodie: its mirror \(complete as of .*\) holds no such conversation$/);
    // Newer than the copy: SiteAssist's mirror hasn't seen it, its detail request has.
    const sim = h.sims.get('siteassist')!;
    const fresh = { ...structuredClone(data.siteassist[0]!), id: '0f8fad5b-d9cb-469f-a165-70867728950e' };
    sim.data = [...data.siteassist, fresh];
    try {
      const res = await h.get(path(`siteassist:${fresh.id}`));
      expect(res.status).toBe(200);
      expect(res.body.source.mode).toBe('live');
      expect(res.body.data).toEqual(simulators.siteassist!.expected(fresh, 'siteassist', { messages: false }));
      const known = await h.get(path(expected('siteassist', 0).id));
      expect(known.body.source.mode).toBe('mirror');
      expect(known.body.data).toEqual(expected('siteassist', 0));
    } finally {
      sim.data = data.siteassist;
    }
  });

  it("include=raw from a mirror that keeps no vendor item, for a vendor with no detail request, is a 400 saying so", async () => {
    const res = await h.get(path(expected('uncodie', 1).id, '?include=raw'));
    expect(res.status).toBe(400);
    expect(res.body.invalidParams).toEqual([{ name: 'include', reason: expect.stringMatching(/^vendor uncodie can't give it by id: its mirror keeps no vendor item/) }]);
  });

  it('the ETag of a mirrored conversation answers If-None-Match with 304', async () => {
    const id = expected('uncodie', 1).id;
    const res = await h.get(path(id));
    const again = await h.get(path(id), { 'if-none-match': res.headers.etag! });
    expect(again.status).toBe(304);
  });
});

describe('GET /conversations/{id}, a mirror still warming', () => {
  let h: Harness;
  beforeAll(async () => {
    // Uncodie never answers, so its first full read never completes.
    h = await startHarness({ data, mirrors: {}, faults: { uncodie: { kind: 'hang' } } });
  });
  afterAll(async () => h?.close());

  it('a vendor readable by id only from its mirror answers 503 while the mirror warms, with Retry-After', async () => {
    const res = await h.get(path(expected('uncodie', 0).id));
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('30');
    expect(res.body).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(res.body.detail).toMatch(/^vendor uncodie can be read by id only from its mirror, and mirror warming .*; retry later$/);
  });
});
