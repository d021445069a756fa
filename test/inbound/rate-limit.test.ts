/**
 * Per-client rate limits over real HTTP with a manual clock: a token bucket per client (per address while
 * auth is off), refused at once with 429 + Retry-After, the IETF RateLimit headers on every response of
 * a limited route, and client-specific budgets.
 */
import { Hono } from 'hono';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AppEnv } from '../../src/app-env.js';
import { memoryStore, type StateStore } from '../../src/state/store.js';
import { clientRateLimit, rateLimitHeaders } from '../../src/inbound/rate-limit.js';
import { memoryLogger, startHarness, type Harness } from '../helpers/harness.js';
import { bearer, ManualClock, newKey } from './clients.js';

const small = newKey();
const other = newKey();
const big = newKey();

describe('rate limits with clients', () => {
  const clock = new ManualClock();
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      clock,
      gatewayYaml: `
inbound:
  clients:
    - { id: small, keySha256: ${small.sha256} }
    - { id: other, keySha256: ${other.sha256} }
    - { id: big, keySha256: ${big.sha256}, rateLimit: { perMinute: 120, burst: 5 } }
  rateLimit: { perMinute: 60, burst: 3 }
`,
    });
  });
  afterAll(async () => {
    await h?.close();
  });
  beforeEach(() => {
    h.resetState();
  });

  it('serves a burst of 3, refuses the 4th with 429, Retry-After and both RateLimit headers, and serves again a token later', async () => {
    const seen: [number, string, string][] = [];
    for (let i = 0; i < 4; i++) {
      const res = await h.get('/conversations?limit=1', bearer(small));
      seen.push([res.status, res.headers['ratelimit-policy']!, res.headers['ratelimit']!]);
    }
    expect(seen).toEqual([
      [200, '"default";q=3;w=3', '"default";r=2;t=0'],
      [200, '"default";q=3;w=3', '"default";r=1;t=0'],
      [200, '"default";q=3;w=3', '"default";r=0;t=1'],
      [429, '"default";q=3;w=3', '"default";r=0;t=1'],
    ]);
    const refused = await h.get('/conversations?limit=1', bearer(small));
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.headers['content-type']).toBe('application/problem+json');
    expect(refused.body).toMatchObject({ status: 429, code: 'RATE_LIMITED', detail: 'client small is over its rate limit (60 per minute, bursts of 3); retry in 1 s' });

    clock.t += 999;
    expect((await h.get('/conversations?limit=1', bearer(small))).status).toBe(429);
    clock.t += 1;
    const again = await h.get('/conversations?limit=1', bearer(small));
    expect(again.status).toBe(200);
    expect(again.headers['ratelimit']).toBe('"default";r=0;t=1');
  });

  it('keeps one bucket per client', async () => {
    for (let i = 0; i < 3; i++) expect((await h.get('/conversations?limit=1', bearer(small))).status).toBe(200);
    expect((await h.get('/conversations?limit=1', bearer(small))).status).toBe(429);
    expect((await h.get('/conversations?limit=1', bearer(other))).status).toBe(200);
  });

  it("applies a client's own rateLimit over the default", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await h.get('/conversations?limit=1', bearer(big))).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const res = await h.get('/conversations?limit=1', bearer(big));
    expect(res.headers['ratelimit-policy']).toBe('"default";q=5;w=3');
    // 2 tokens a second: the next is 500 ms away, rounded up to whole seconds.
    expect(res.headers['retry-after']).toBe('1');
    clock.t += 500;
    expect((await h.get('/conversations?limit=1', bearer(big))).status).toBe(200);
  });

  it('puts the RateLimit headers on errors from the route too', async () => {
    const res = await h.get('/conversations?limit=abc', bearer(other));
    expect(res.status).toBe(400);
    expect(res.headers['ratelimit-policy']).toBe('"default";q=3;w=3');
    expect(res.headers['ratelimit']).toBe('"default";r=2;t=0');
  });

  it('does not limit /healthz, and refuses unauthenticated requests before they spend a client token', async () => {
    for (let i = 0; i < 5; i++) expect((await h.get('/healthz')).headers['ratelimit']).toBeUndefined();
    for (let i = 0; i < 5; i++) expect((await h.get('/conversations', bearer(newKey()))).status).toBe(401);
    expect((await h.get('/conversations?limit=1', bearer(other))).headers['ratelimit']).toBe('"default";r=2;t=0');
  });
});

describe('rate limits with auth off', () => {
  const clock = new ManualClock();
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ clock, gatewayYaml: 'inbound: { rateLimit: { perMinute: 60, burst: 3 } }\n' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('keys the bucket by remote address over HTTP', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await h.get('/conversations?limit=1')).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const res = await h.get('/conversations?limit=1');
    expect(res.body.detail).toMatch(/^this address is over its rate limit/);
  });

  it("falls back to one 'anonymous' bucket where there is no socket (app.request)", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await h.gateway.app.request('/conversations?limit=1')).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});

describe('clientRateLimit alone', () => {
  const appWith = (store: StateStore) => {
    const logger = memoryLogger();
    const app = new Hono<AppEnv>()
      .use(clientRateLimit({ clients: [], rateLimit: { perMinute: 60, burst: 1, maxWaitMs: 0 } }, { store, clock: new ManualClock(), logger }))
      .get('/', (c) => c.text('ok'));
    return { app, logger };
  };

  it('serves without a limit, and logs an error, when the store fails', async () => {
    const broken: StateStore = { ...memoryStore(), take: async () => Promise.reject(new Error('store down')) };
    const { app, logger } = appWith(broken);
    for (let i = 0; i < 3; i++) expect((await app.request('/')).status).toBe(200);
    expect(logger.lines.filter((l) => l.level === 'error' && l.msg === 'inbound rate limit unavailable; serving unlimited')).toHaveLength(3);
  });

  it('never queues: with maxWaitMs configured, over budget is still refused at once', async () => {
    const store = memoryStore();
    const logger = memoryLogger();
    const app = new Hono<AppEnv>()
      .use(clientRateLimit({ clients: [], rateLimit: { perMinute: 60, burst: 1, maxWaitMs: 60_000 } }, { store, clock: new ManualClock(), logger }))
      .get('/', (c) => c.text('ok'));
    expect((await app.request('/')).status).toBe(200);
    const res = await app.request('/');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
  });
});

describe('rateLimitHeaders', () => {
  it('rounds the window and the time to a token up to whole seconds', () => {
    const b = { perMinute: 7, burst: 3 };
    expect(rateLimitHeaders(b, { granted: true, waitMs: 0, remaining: 2 })).toEqual({ 'ratelimit-policy': '"default";q=3;w=26', ratelimit: '"default";r=2;t=0' });
    expect(rateLimitHeaders(b, { granted: true, waitMs: 0, remaining: 0 }).ratelimit).toBe('"default";r=0;t=9');
    expect(rateLimitHeaders(b, { granted: false, retryAfterMs: 4_001 }).ratelimit).toBe('"default";r=0;t=5');
    expect(rateLimitHeaders({ perMinute: 6000, burst: 1 }, { granted: true, waitMs: 0, remaining: 0 })).toEqual({ 'ratelimit-policy': '"default";q=1;w=1', ratelimit: '"default";r=0;t=1' });
  });
});
