/**
 * Every response the API gives on its main paths validates against the OpenAPI document it publishes at
 * /openapi.json: the status is one the operation declares, and the body matches that response's schema.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { specValidator, type OpenApiDocument, type SpecValidator } from './spec-validator.js';

let h: Harness;
let spec: SpecValidator;
beforeAll(async () => {
  h = await startHarness();
  const doc = await h.get('/openapi.json');
  expect(doc.status).toBe(200);
  spec = specValidator(doc.body as OpenApiDocument);
});
afterAll(async () => h?.close());

const mediaType = (headers: Record<string, string>) => String(headers['content-type'] ?? '').split(';')[0]!.trim();

/** GET `url`, check the answer against the spec's `path` operation, and return it. */
async function conforms(url: string, path: string, expected: number) {
  const res = await h.get(url);
  expect(res.status, `${url}: ${JSON.stringify(res.body).slice(0, 300)}`).toBe(expected);
  expect(spec.check(path, 'get', res.status, mediaType(res.headers), res.body), `${url} → ${res.status}`).toEqual([]);
  return res;
}

const setFault = (fault: { kind: string; retryAfter?: number } | null) => {
  for (const sim of h.sims.values()) sim.fault = fault as never;
};

describe('responses conform to /openapi.json', () => {
  it('200: a page with explain, includes and the plan', async () => {
    const res = await conforms('/conversations?limit=5&explain=true&include=messages,raw&orderBy=createdAt', '/conversations', 200);
    expect(res.body.plan.length).toBeGreaterThan(0);
    expect(res.body.data[0]).toHaveProperty('raw');
  });

  it('200: a page from a cursor, and a partial page with a vendor error in sources[]', async () => {
    const first = await conforms('/conversations?limit=3&status=open', '/conversations', 200);
    await conforms(`/conversations?cursor=${encodeURIComponent(first.body.nextCursor)}`, '/conversations', 200);
    h.sims.get('siteassist')!.fault = { kind: 'internal' };
    try {
      const partial = await conforms('/conversations?limit=3', '/conversations', 200);
      expect(partial.body.partial).toBe(true);
      expect(partial.body.sources.find((s: { vendor: string }) => s.vendor === 'siteassist').error.code).toBe('UPSTREAM_ERROR');
    } finally {
      setFault(null);
      h.resetState();
    }
  });

  it('304 is declared for a matching If-None-Match', async () => {
    const first = await h.get('/conversations?limit=2&vendor=siteassist');
    const again = await h.get('/conversations?limit=2&vendor=siteassist', { 'if-none-match': first.headers.etag! });
    expect(again.status).toBe(304);
    expect(spec.response('/conversations', 'get', 304)).toBeDefined();
  });

  it('400: invalid, unknown and repeated parameters, cross-field rules', async () => {
    const res = await conforms('/conversations?limit=0&orderBy=title&bogus=1&status=open&status=closed&createdAfter=2024-02-01T00:00:00Z&createdBefore=2024-01-01T00:00:00Z', '/conversations', 400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.code).toBe('INVALID_REQUEST');
    expect(res.body.invalidParams.map((p: { name: string }) => p.name).sort()).toEqual(['bogus', 'createdAfter', 'limit', 'orderBy', 'status']);
  });

  it('400: an invalid cursor, and a cursor with other parameters', async () => {
    const bad = await conforms('/conversations?cursor=forged.cursor', '/conversations', 400);
    expect(bad.body.code).toBe('INVALID_CURSOR');
    const mixed = await conforms('/conversations?cursor=abc&status=open', '/conversations', 400);
    expect(mixed.body.code).toBe('INVALID_REQUEST');
  });

  it('GET /conversations/{id}: 200 whole, with includes and trimmed by fields=; 400, 404 and a failed vendor are Problems', async () => {
    const page = await conforms('/conversations?limit=20&fields=title', '/conversations', 200);
    expect(Object.keys(page.body.data[0]).sort()).toEqual(['id', 'title']);
    const ids: string[] = (await h.get('/conversations?limit=100')).body.data.map((c: { id: string }) => c.id);
    const id = encodeURIComponent(ids.find((i) => i.startsWith('siteassist:'))!);
    await conforms(`/conversations/${id}`, '/conversations/{id}', 200);
    await conforms(`/conversations/${id}?include=messages,raw`, '/conversations/{id}', 200);
    const trimmed = await conforms(`/conversations/${id}?fields=id,lastActivityAt`, '/conversations/{id}', 200);
    expect(Object.keys(trimmed.body.data)).toEqual(['id', 'lastActivityAt']);
    await conforms('/conversations/no-colon', '/conversations/{id}', 400);
    await conforms(`/conversations/${id}?fields=nope`, '/conversations/{id}', 400);
    await conforms('/conversations/nope:1', '/conversations/{id}', 404);
    await conforms(`/conversations/${encodeURIComponent(ids.find((i) => i.startsWith('uncodie:'))!)}`, '/conversations/{id}', 404);
    h.sims.get('siteassist')!.fault = { kind: 'internal' };
    try {
      await conforms(`/conversations/${id}`, '/conversations/{id}', 502);
    } finally {
      setFault(null);
      h.resetState();
    }
  });

  it('404: an unknown route is a Problem', async () => {
    const res = await h.get('/nope');
    expect(res.status).toBe(404);
    expect(mediaType(res.headers)).toBe('application/problem+json');
    expect(spec.checkComponent('Problem', res.body)).toEqual([]);
    expect(res.body.code).toBe('NOT_FOUND');
  });

  it('502: every vendor refused our credentials', async () => {
    setFault({ kind: 'auth' });
    try {
      const res = await conforms('/conversations?limit=2', '/conversations', 502);
      expect(res.body.code).toBe('UPSTREAM_AUTH_FAILED');
      expect(res.body.errors).toHaveLength(3);
    } finally {
      setFault(null);
      h.resetState();
    }
  });

  it('429: every vendor rate-limited us', async () => {
    setFault({ kind: 'rateLimit', retryAfter: 5 });
    try {
      const res = await conforms('/conversations?limit=2', '/conversations', 429);
      expect(res.body.code).toBe('RATE_LIMITED');
      expect(res.headers['retry-after']).toBe('5');
    } finally {
      setFault(null);
      h.resetState();
    }
  });

  it('/vendors, /healthz, /readyz', async () => {
    const vendors = await conforms('/vendors', '/vendors', 200);
    expect(vendors.body.data).toHaveLength(3);
    await conforms('/healthz', '/healthz', 200);
    await conforms('/readyz', '/readyz', 200);
  });

  it('the validator catches a body that breaks the contract', () => {
    expect(spec.check('/healthz', 'get', 200, 'application/json', { status: 'fine' })).not.toEqual([]);
    expect(spec.check('/healthz', 'get', 200, 'application/json', { status: 'ok', undocumented: 1 })).not.toEqual([]);
    expect(spec.checkComponent('Problem', { type: 'x', title: 't', status: 400, detail: 'd', code: 'NOT_A_CODE', requestId: 'r' })).not.toEqual([]);
    expect(spec.check('/conversations', 'get', 418, 'application/json', {})).not.toEqual([]);
  });
});
