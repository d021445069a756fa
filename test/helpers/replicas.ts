/**
 * In-process "replicas": gateways built from the shipped config over one Redis prefix (each its own
 * redisStore, pools and cache, like separate processes), served on loopback ports. Cheaper than
 * startGatewayProcess where no signal or restart is involved.
 */
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { buildGateway, type Gateway } from '../../src/gateway.js';
import type { Clock } from '../../src/state/clock.js';
import { redisStore, type RedisStateStore } from '../../src/state/redis-store.js';
import { ROOT, memoryLogger } from './harness.js';
import { getJson } from './http.js';

export interface Replica {
  gateway: Gateway;
  store: RedisStateStore;
  url: string;
  get(path: string): Promise<{ status: number; headers: Record<string, string>; body: any }>;
  close(): Promise<void>;
}

export async function startReplica(opts: { redisUrl: string; prefix: string; env: Record<string, string>; clock?: Clock }): Promise<Replica> {
  const logger = memoryLogger();
  // A roomy Redis timeout: these tests are about what is shared, not about a loaded machine's latency.
  const store = redisStore({ url: opts.redisUrl, prefix: opts.prefix, timeoutMs: 1000, logger });
  await store.connect();
  const gateway = await buildGateway({
    configDir: join(ROOT, 'config'),
    env: { CLIENT_RATE_PER_MINUTE: '1000000', CLIENT_RATE_BURST: '100000', UNCODIE_RATE_PER_MINUTE: '1000000', UNCODIE_RATE_BURST: '100000', ...opts.env },
    logger,
    store,
    cursorSecret: 'replica-test-secret-0123456789',
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: gateway.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    gateway,
    store,
    url,
    get: (path) => getJson(url + path),
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gateway.close();
      await store.close();
    },
  };
}
