/**
 * The floor: the least any fan-out can cost. A bare Hono + undici server that, for every request, makes
 * exactly the upstream calls the gateway makes for its first page (recorded by the bench and passed in
 * FLOOR_UPSTREAMS), all at once, and answers with the raw bodies concatenated: no parsing, no merge.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { Pool } from 'undici';

export interface FloorUpstream {
  origin: string;
  /** Path and query, exactly as the gateway sent them. */
  path: string;
  headers: Record<string, string>;
}

const upstreams = JSON.parse(process.env.FLOOR_UPSTREAMS ?? '[]') as FloorUpstream[];
const pools = new Map<string, Pool>();
const poolFor = (origin: string): Pool => {
  let pool = pools.get(origin);
  // The gateway's pool settings (config/gateway.yaml upstream.connections), so neither has more sockets.
  if (!pool) pools.set(origin, (pool = new Pool(origin, { connections: 16, keepAliveTimeout: 4_000, pipelining: 1 })));
  return pool;
};

const app = new Hono();
app.get('/conversations', async (c) => {
  const bodies = await Promise.all(
    upstreams.map(async (u) => {
      const res = await poolFor(u.origin).request({ method: 'GET', path: u.path, headers: u.headers, signal: c.req.raw.signal });
      return new Uint8Array(await res.body.arrayBuffer());
    }),
  );
  return c.body(Buffer.concat(bodies), 200, { 'content-type': 'application/json' });
});

serve({ fetch: app.fetch, hostname: '127.0.0.1', port: Number(process.env.PORT ?? 0) }, (info) => {
  console.log(JSON.stringify({ msg: 'floor listening', port: info.port, upstreams: upstreams.length }));
});
