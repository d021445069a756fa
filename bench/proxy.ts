/**
 * The single-vendor floor: a bare proxy. For every request it makes the one upstream call the gateway makes
 * for a single-vendor first page (PROXY_UPSTREAM, recorded by the bench) with undici's fetch and passes the
 * body through unparsed. What is left of the gateway's CPU per request above this is our own fixed work.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { fetch } from 'undici';
import type { FloorUpstream } from './floor.js';

const upstream = JSON.parse(process.env.PROXY_UPSTREAM ?? 'null') as FloorUpstream;
const url = upstream.origin + upstream.path;

const app = new Hono();
app.get('/conversations', async (c) => {
  const res = await fetch(url, { headers: upstream.headers, signal: c.req.raw.signal });
  return new Response(res.body as ReadableStream, { status: res.status, headers: { 'content-type': 'application/json' } });
});

serve({ fetch: app.fetch, hostname: '127.0.0.1', port: Number(process.env.PORT ?? 0) }, (info) => {
  console.log(JSON.stringify({ msg: 'proxy listening', port: info.port }));
});
