import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulators } from '../../sim/index.js';
import { buildGateway, type Gateway } from '../../src/gateway.js';
import { redisStore, type RedisStateStore } from '../../src/state/redis-store.js';
import { memoryLogger, ROOT } from '../helpers/harness.js';
import { getJson } from '../helpers/http.js';
import { freePort } from '../helpers/redis.js';

describe('/readyz with a Redis STATE_STORE that was never reachable', () => {
  let store: RedisStateStore;
  let gateway: Gateway;
  let server: ServerType;
  let url: string;
  const logger = memoryLogger();

  beforeAll(async () => {
    // A port nothing listens on: what a typo in STATE_STORE looks like from here.
    const closed = await freePort();
    store = redisStore({ url: `redis://127.0.0.1:${closed}`, prefix: 'sbtest:readyz:', timeoutMs: 50, logger });
    await store.connect(500);
    gateway = await buildGateway({ configDir: join(ROOT, 'config'), env: {}, logger, store, simulators, cursorSecret: 'test-secret-0123456789abcdef' });
    server = await new Promise((resolve) => {
      const s = serve({ fetch: gateway.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
    });
    const a = server.address();
    url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await gateway.close();
    await store.close();
  });

  it('a STATE_STORE URL that never answered is degraded (200, still serving), not ready, and says to check STATE_STORE', async () => {
    const res = await getJson(`${url}/readyz`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      status: 'degraded',
      stateStore: 'fallback:memory',
      degraded: [expect.stringMatching(/Redis has not been reachable since this process started \(check STATE_STORE\)/)],
    });
    // It does serve: limits and breakers are this replica's own meanwhile.
    expect((await getJson(`${url}/conversations?limit=2`)).status).toBe(200);
  });
});
