/**
 * Every answer is problem+json with X-Request-Id, also where routing never starts: a method a known path
 * doesn't serve (405 with Allow, before auth), an invalid or missing Host, a request Node can't parse.
 * Real HTTP, raw sockets where a client library would refuse to send the request.
 */
import type { Server } from 'node:http';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayServer, listen } from '../../src/inbound/listener.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { newKey } from './clients.js';
import { rawRequest, type RawResponse } from './raw-http.js';

const KNOWN = ['/conversations', '/vendors', '/healthz', '/readyz', '/metrics', '/openapi.json', '/docs', '/docs/assets/standalone.js'];

let h: Harness;
let server: Server;
let url: string;
beforeAll(async () => {
  h = await startHarness({ gatewayYaml: `inbound:\n  clients:\n    - { id: one, keySha256: ${newKey().sha256} }\n` });
  // The listener server.ts serves with, over the same gateway.
  server = gatewayServer(h.gateway.fetch, { logger: h.logger });
  url = `http://127.0.0.1:${(await listen(server, 0, '127.0.0.1')).port}`;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await h?.close();
});

const expectProblem = (res: RawResponse | { status: number; headers: Record<string, string>; body: string }, status: number, code: string) => {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toBe('application/problem+json');
  const body = JSON.parse(res.body) as { code: string; status: number; requestId: string; detail: string };
  expect(body).toMatchObject({ status, code });
  expect(res.headers['x-request-id']).toBe(body.requestId);
  return body;
};

describe('methods', () => {
  it('a non-GET method on a known path is 405 with Allow (not 404), before auth, counted under its route', async () => {
    for (const path of KNOWN) {
      for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
        const res = await request(url + path, { method, body: method === 'OPTIONS' ? null : '{}' });
        const got = { status: res.statusCode, headers: res.headers as Record<string, string>, body: await res.body.text() };
        expectProblem(got, 405, 'METHOD_NOT_ALLOWED');
        expect(got.headers.allow, `${method} ${path}`).toBe('GET, HEAD');
      }
    }
    // HEAD is GET without the body; an unknown path is still a 404.
    expect((await request(`${url}/healthz`, { method: 'HEAD' })).statusCode).toBe(200);
    const unknown = await request(`${url}/nope`, { method: 'POST', body: '{}' });
    expectProblem({ status: unknown.statusCode, headers: unknown.headers as Record<string, string>, body: await unknown.body.text() }, 404, 'NOT_FOUND');
    const metrics = await (await request(`${url}/metrics`)).body.text();
    expect(metrics).toMatch(/switchboard_http_requests_total\{route="\/conversations",method="POST",status="405"\} 1\b/);
  });
});

describe('requests routing never sees', () => {
  it('an invalid Host is a 400 problem+json with X-Request-Id (the caller\u2019s, when plain), not a bare 400', async () => {
    for (const host of ['bad host!', 'a@b', 'exa mple.com:80', '[::1']) {
      const res = await rawRequest(url, `GET /healthz HTTP/1.1\r\nhost: ${host}\r\nx-request-id: host-check-1`);
      const body = expectProblem(res, 400, 'INVALID_REQUEST');
      expect(body.requestId).toBe('host-check-1');
    }
    // No Host at all (HTTP/1.1 requires one).
    const missing = await rawRequest(url, 'GET /healthz HTTP/1.1');
    expect(expectProblem(missing, 400, 'INVALID_REQUEST').detail).toMatch(/host/i);
    // Bytes Node can't parse as HTTP at all.
    expectProblem(await rawRequest(url, 'GET /healthz HTTP/1.1\r\nbad header line'), 400, 'INVALID_REQUEST');
    // A good request on the same listener is served.
    expect((await rawRequest(url, `GET /healthz HTTP/1.1\r\nhost: 127.0.0.1`)).status).toBe(200);
  });
});
