/** Input limits over real HTTP: an over-long URL or too many parameters is a 400 before auth or validation looks. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestTarget } from '../../src/inbound/limits.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { bearer, newKey } from './clients.js';

const client = newKey();
let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    gatewayYaml: `
inbound:
  clients: [{ id: c, keySha256: ${client.sha256} }]
  rateLimit: { perMinute: 60000, burst: 10000 }
  maxUrlLength: 200
  maxParams: 4
`,
  });
});
afterAll(async () => {
  await h?.close();
});

describe('input limits', () => {
  it('accepts a URL of exactly maxUrlLength characters and refuses one more', async () => {
    const at = (n: number) => {
      const base = '/conversations?limit=1&search=';
      return base + 'x'.repeat(n - base.length);
    };
    expect(at(200)).toHaveLength(200);
    expect((await h.get(at(200), bearer(client))).status).toBe(200);
    const res = await h.get(at(201), bearer(client));
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.body).toMatchObject({ code: 'INVALID_REQUEST', invalidParams: [{ name: '(url)', reason: 'longer than 200 characters' }] });
  });

  it('counts the path too, and refuses before auth looks at the key', async () => {
    const res = await h.get(`/conversations/${'p'.repeat(300)}`);
    expect(res.status).toBe(400);
    expect(res.body.invalidParams).toEqual([{ name: '(url)', reason: 'longer than 200 characters' }]);
  });

  it('refuses more than maxParams query parameters, repeated ones counted each time, before validation', async () => {
    expect((await h.get('/conversations?limit=1&status=open&orderDir=asc&orderBy=createdAt', bearer(client))).status).toBe(200);
    for (const q of ['limit=1&status=open&orderDir=asc&orderBy=createdAt&explain=true', 'a=1&a=2&a=3&a=4&a=5']) {
      const res = await h.get(`/conversations?${q}`, bearer(client));
      expect(res.status).toBe(400);
      // Only the count is reported: unknown parameters (a) were never validated.
      expect(res.body).toMatchObject({ code: 'INVALID_REQUEST', invalidParams: [{ name: '(query)', reason: 'more than 4 parameters (5 given)' }] });
    }
  });

  it('applies to every route', async () => {
    const res = await h.get(`/healthz?${'x=1&'.repeat(5)}`);
    expect(res.status).toBe(400);
    expect(res.body.invalidParams[0].name).toBe('(query)');
  });
});

describe('requestTarget', () => {
  it('is the path and query without scheme and host', () => {
    expect(requestTarget('http://localhost:8080/conversations?limit=1')).toBe('/conversations?limit=1');
    expect(requestTarget('http://h')).toBe('/');
    expect(requestTarget('http://h/a//b?u=http://x/y')).toBe('/a//b?u=http://x/y');
  });
});
