/**
 * API keys over real HTTP: both headers, wrong, missing and malformed keys (401 with WWW-Authenticate),
 * a client without the scope and a client restricted to some vendors (403), and no header value,
 * however odd, gets anything but a 401 problem+json.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { bearer, newKey } from './clients.js';

const full = newKey();
const narrow = newKey();
const noScope = newKey();
const upper = newKey();

const gatewayYaml = `
inbound:
  clients:
    - id: full
      keySha256: ${full.sha256}
    - id: narrow
      keySha256: ${narrow.sha256}
      vendors: [siteassist]
    - id: no-scope
      keySha256: ${noScope.sha256}
      scopes: [vendors:read]
    - id: upper-hex
      keySha256: ${upper.sha256.toUpperCase()}
  rateLimit: { perMinute: 60000, burst: 10000 }
  # These cases send hundreds of wrong keys from one address: what they pin is each answer, not the throttle.
  authFailures: { enabled: false }
`;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ gatewayYaml });
});
afterAll(async () => {
  await h?.close();
});

const expectProblem = (res: Awaited<ReturnType<Harness['get']>>, status: number, code: string) => {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toBe('application/problem+json');
  expect(res.body).toMatchObject({ status, code, requestId: res.headers['x-request-id'] });
};

describe('API keys', () => {
  it('accepts a key as Authorization: Bearer, with the scheme in any case', async () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      const res = await h.get('/conversations?limit=1', { authorization: `${scheme} ${full.key}` });
      expect(res.status).toBe(200);
      expect(res.body.data).toHaveLength(1);
    }
  });

  it('accepts a key as x-api-key', async () => {
    const res = await h.get('/conversations?limit=1', { 'x-api-key': full.key });
    expect(res.status).toBe(200);
  });

  it('accepts the same key in both headers, and a client whose keySha256 is upper-case hex', async () => {
    expect((await h.get('/conversations?limit=1', { ...bearer(full), 'x-api-key': full.key })).status).toBe(200);
    expect((await h.get('/conversations?limit=1', bearer(upper))).status).toBe(200);
  });

  it('refuses a missing key with 401 and a Bearer challenge', async () => {
    const res = await h.get('/conversations?limit=1');
    expectProblem(res, 401, 'UNAUTHORIZED');
    expect(res.headers['www-authenticate']).toBe('Bearer realm="switchboard"');
    expect(res.body.detail).toMatch(/Authorization: Bearer <key>.*x-api-key/);
  });

  it('refuses an unknown key in either header with 401 invalid_token', async () => {
    for (const headers of [bearer(newKey()), { 'x-api-key': newKey().key }, { 'x-api-key': full.sha256 }, { 'x-api-key': `${full.key}x` }]) {
      const res = await h.get('/conversations?limit=1', headers);
      expectProblem(res, 401, 'UNAUTHORIZED');
      expect(res.headers['www-authenticate']).toBe('Bearer realm="switchboard", error="invalid_token"');
      expect(res.body.detail).toBe('the API key is not valid');
    }
  });

  it('refuses another Authorization scheme, an empty Bearer and two different keys with 401', async () => {
    const cases: Record<string, string>[] = [
      { authorization: `Basic ${Buffer.from(`x:${full.key}`).toString('base64')}` },
      { authorization: full.key },
      { authorization: 'Bearer' },
      { ...bearer(full), 'x-api-key': narrow.key },
    ];
    for (const headers of cases) {
      const res = await h.get('/conversations?limit=1', headers);
      expectProblem(res, 401, 'UNAUTHORIZED');
      expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="switchboard"/);
    }
  });

  it('does not guard /healthz and /readyz', async () => {
    expect((await h.get('/healthz')).status).toBe(200);
    expect((await h.get('/readyz')).status).toBe(200);
  });

  it('guards unknown paths under /conversations too (401 before 404)', async () => {
    expectProblem(await h.get('/conversations/anything'), 401, 'UNAUTHORIZED');
    expectProblem(await h.get('/conversations/anything/else'), 401, 'UNAUTHORIZED');
    expectProblem(await h.get('/conversations/anything/else', bearer(full)), 404, 'NOT_FOUND');
    // One segment is GET /conversations/{id}: checked behind the key like the list.
    expectProblem(await h.get('/conversations/anything', bearer(full)), 400, 'INVALID_REQUEST');
  });

  it('refuses a client without the conversations:read scope with 403', async () => {
    const res = await h.get('/conversations?limit=1', bearer(noScope));
    expectProblem(res, 403, 'FORBIDDEN');
    expect(res.body.detail).toBe('client no-scope lacks the scope conversations:read');
  });

  it('refuses a restricted client naming another vendor with 403 that names it', async () => {
    for (const q of ['vendor=uncodie', 'vendor=siteassist,uncodie', 'vendor=siteassist&vendor=superagentes']) {
      const res = await h.get(`/conversations?limit=1&${q}`, bearer(narrow));
      expectProblem(res, 403, 'FORBIDDEN');
      expect(res.body.detail).toMatch(/^client narrow may not read vendor (uncodie|superagentes)$/);
    }
    // Naming a vendor that doesn't exist tells a restricted client nothing about which do.
    const unknown = await h.get('/conversations?vendor=nope', bearer(narrow));
    expectProblem(unknown, 403, 'FORBIDDEN');
  });

  it('serves a restricted client its own vendors', async () => {
    const res = await h.get('/conversations?limit=5&vendor=siteassist', bearer(narrow));
    expect(res.status).toBe(200);
    expect(res.body.data.map((c: { vendor: string }) => c.vendor)).toEqual(Array(5).fill('siteassist'));
  });

  it('narrows a restricted client that names no vendor to its own, across cursor pages', async () => {
    const first = await h.get('/conversations?limit=7', bearer(narrow));
    expect(first.status).toBe(200);
    expect(first.body.sources.map((s: { vendor: string }) => s.vendor)).toEqual(['siteassist']);
    const next = await h.get(`/conversations?cursor=${encodeURIComponent(first.body.nextCursor)}`, bearer(narrow));
    expect(next.status).toBe(200);
    expect(next.body.data.every((c: { vendor: string }) => c.vendor === 'siteassist')).toBe(true);
  });

  it("refuses a cursor made for a wider client: the cursor can't widen a restricted client's view", async () => {
    const wide = await h.get('/conversations?limit=3', bearer(full));
    expect(wide.body.sources).toHaveLength(3);
    const res = await h.get(`/conversations?cursor=${encodeURIComponent(wide.body.nextCursor)}`, bearer(narrow));
    expectProblem(res, 403, 'FORBIDDEN');
  });

  it('logs the client id on the request line, also for a refused client', async () => {
    const ok = await h.get('/conversations?limit=1', { ...bearer(full), 'x-request-id': 'log-ok-1' });
    const refused = await h.get('/conversations?vendor=uncodie', { ...bearer(narrow), 'x-request-id': 'log-403-1' });
    const anonymous = await h.get('/conversations', { 'x-request-id': 'log-401-1' });
    expect([ok.status, refused.status, anonymous.status]).toEqual([200, 403, 401]);
    const line = (id: string) => h.logger.lines.find((l) => l.msg === 'request' && (l.obj as { requestId?: string }).requestId === id)?.obj;
    expect(line('log-ok-1')).toMatchObject({ clientId: 'full', status: 200 });
    expect(line('log-403-1')).toMatchObject({ clientId: 'narrow', status: 403 });
    expect(line('log-401-1')).toMatchObject({ status: 401 });
    expect(line('log-401-1')).not.toHaveProperty('clientId');
    // The key itself is never logged.
    expect(JSON.stringify(h.logger.lines)).not.toContain(full.key);
  });

  it('does not warn that auth is off when clients are configured', () => {
    expect(h.logger.lines.filter((l) => l.level === 'warn' && /AUTH IS OFF/.test(l.msg ?? ''))).toEqual([]);
  });

  it('answers any Authorization / x-api-key value that is not a key with 401 problem+json, never 5xx', async () => {
    // What can arrive on the wire: any bytes but CR, LF, NUL and other controls, read as latin1.
    const wire = (s: string) => Buffer.from(s, 'utf8').toString('latin1').replace(/[\x00-\x08\x0a-\x1f\x7f]/g, '');
    const value = fc.oneof(
      fc.string(),
      fc.string({ unit: 'grapheme', maxLength: 50 }),
      fc.string({ unit: 'binary', maxLength: 50 }),
      fc.string({ minLength: 2000, maxLength: 6000 }),
      fc.constantFrom('Bearer', 'Bearer ', 'bearer  \t', 'Basic abc', 'Bearer a b c', `Bearer ${full.sha256}`, `Bearer ${full.key.slice(1)}`),
      fc.tuple(fc.constantFrom('Bearer ', 'bearer ', 'Token '), fc.string()).map(([p, s]) => p + s),
    );
    await fc.assert(
      fc.asyncProperty(fc.option(value, { nil: undefined }), fc.option(value, { nil: undefined }), async (auth, apiKey) => {
        const headers: Record<string, string> = {};
        if (auth !== undefined) headers.authorization = wire(auth);
        if (apiKey !== undefined) headers['x-api-key'] = wire(apiKey);
        const res = await h.get('/conversations?limit=1', headers);
        expect(res.status).toBe(401);
        expect(res.headers['content-type']).toBe('application/problem+json');
        expect(res.body.code).toBe('UNAUTHORIZED');
        expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="switchboard"/);
      }),
      { numRuns: 150 },
    );
  });
});
