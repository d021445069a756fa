/**
 * Only canonical paths are routed: a spelling that a URL parser would normalise into /metrics (encoded
 * letters, dot segments, double slashes) is refused with 400 problem+json, so a rule an ingress writes for
 * `/metrics` can't be walked around. Raw sockets: clients would normalise these paths before sending.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nonCanonical } from '../../src/inbound/canonical-path.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { rawRequest } from './raw-http.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

const get = (target: string) => rawRequest(h.url, `GET ${target} HTTP/1.1\r\nhost: 127.0.0.1`);

describe('canonical paths', () => {
  it('non-canonical spellings of /metrics (/%6detrics, /a/%2e%2e/metrics, //metrics, …) are refused with 400, never routed to /metrics', async () => {
    const { port } = new URL(h.url);
    const targets = [
      '/%6detrics',
      '/%6D%65trics',
      '/a/%2e%2e/metrics',
      '/a/%2E%2E/metrics',
      '/a/../metrics',
      '/./metrics',
      '/metrics/.',
      '//metrics',
      '/conversations/..%2f..%2fmetrics',
      '/conversations/%2e%2e/metrics?x=1',
      `http://127.0.0.1:${port}/a/%2e%2e/metrics`,
    ];
    for (const target of targets) {
      const res = await get(target);
      expect(res.body, target).not.toMatch(/switchboard_http_requests_total/);
      if (target.includes('..%2f')) {
        // `%2f` is reserved, not decoded: one path segment, read as a conversation id (malformed: no
        // vendor prefix), never a way to /metrics.
        expect(res.status, target).toBe(400);
        expect(JSON.parse(res.body).invalidParams).toEqual([{ name: 'id', reason: expect.stringMatching(/^must be <vendor>:/) }]);
        continue;
      }
      expect(res.status, target).toBe(400);
      expect(res.headers['content-type']).toBe('application/problem+json');
      const body = JSON.parse(res.body);
      expect(body).toMatchObject({ code: 'INVALID_REQUEST', requestId: res.headers['x-request-id'], invalidParams: [{ name: '(path)', reason: expect.stringMatching(/^not in canonical form: /) }] });
    }
    // The canonical spelling is served, and a refused one was counted as unmatched, not as /metrics.
    const metrics = await get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/switchboard_http_requests_total\{route="unmatched",method="GET",status="400"\} 10\b/);
    expect(metrics.body).not.toMatch(/route="\/metrics",method="GET",status="400"/);
    // And the request log shows what was sent.
    expect(h.logger.lines.some((l) => l.msg === 'request' && (l.obj as { path?: string }).path === '/a/%2e%2e/metrics')).toBe(true);
  });

  it('says why a path is not canonical, and lets canonical ones through', () => {
    expect(nonCanonical('/conversations?search=%2e%2e')).toBeNull(); // the query is not the path
    expect(nonCanonical('/conversations/')).toBeNull(); // a trailing slash names no route, but normalises to none either
    expect(nonCanonical('/caf%C3%A9')).toBeNull(); // encoded non-ASCII is the canonical spelling
    expect(nonCanonical('/%7Euser')).toMatch(/%7E encodes "~"/);
    expect(nonCanonical('/a\\metrics')).toMatch(/backslash/);
    expect(nonCanonical('*')).toMatch(/absolute paths/);
  });
});
