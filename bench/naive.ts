/**
 * The naive aggregator: for every request, read every vendor to the end, map every item, sort them all,
 * slice `offset`/`limit`. It reuses the gateway's own config and dialects (same mapping cost per item) and
 * reads a vendor's remaining pages 8 at a time once the first page gave the total — naive in what it
 * reads, not in how it reads it.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { Pool } from 'undici';
import { compileVendors } from '../src/config/compile.js';
import { loadConfig } from '../src/config/load.js';
import type { CompiledVendor, Page } from '../src/dialect/vendor.js';
import type { Token } from '../src/dialect/paging.js';
import type { Item } from '../src/model/conversation.js';
import { compareKeys, keyOf } from '../src/model/order.js';

const CONCURRENCY = 8;
const config = await loadConfig(process.env.CONFIG_DIR ?? './config', { ...process.env });
const vendors = compileVendors(config).filter((v) => v.enabled);
const pools = new Map(vendors.map((v) => [v.name, new Pool(v.origin, { connections: v.connections, keepAliveTimeout: 4_000 })]));
const order = compareKeys('desc');

async function page(v: CompiledVendor, token: Token, size: number): Promise<Page> {
  const req = v.buildRequest(v.fixedParams({ messages: false }), token, size);
  const res = await pools.get(v.name)!.request({ method: 'GET', path: req.query ? `${req.path}?${req.query}` : req.path, headers: v.headers });
  const p = v.readPage({ status: res.statusCode, headers: res.headers, body: await res.body.text() });
  if (!('items' in p)) throw new Error(`${v.name}: ${p.code} ${p.message}`);
  return p;
}

async function readAll(v: CompiledVendor): Promise<unknown[]> {
  const size = v.paging.maxPageSize;
  let token: Token = v.paging.first();
  const first = await page(v, token, size);
  const raw = [...first.items];
  const total = first.facts.total;
  if (v.paging.style === 'offset' && total !== null) {
    const offsets: number[] = [];
    for (let o = first.items.length; o < total; o += size) offsets.push(o);
    for (let i = 0; i < offsets.length; i += CONCURRENCY) {
      const pages = await Promise.all(offsets.slice(i, i + CONCURRENCY).map((o) => page(v, o, size)));
      for (const p of pages) raw.push(...p.items);
    }
    return raw;
  }
  let facts = first.facts;
  for (let next = v.paging.next(token, size, facts); next !== undefined; next = v.paging.next(token, size, facts)) {
    token = next;
    const p = await page(v, token, size);
    raw.push(...p.items);
    facts = p.facts;
  }
  return raw;
}

const app = new Hono();
app.get('/conversations', async (c) => {
  const offset = Number(c.req.query('offset') ?? 0);
  const limit = Number(c.req.query('limit') ?? 10);
  const lists = await Promise.all(vendors.map(async (v) => (await readAll(v)).map((r) => v.mapItem(r, { messages: false, raw: false }))));
  const items = lists.flat().filter((r): r is Item => !('drop' in r));
  items.sort((a, b) => order(keyOf(a, 'lastActivityAt'), keyOf(b, 'lastActivityAt')));
  return c.json({ object: 'list', data: items.slice(offset, offset + limit).map((i) => i.conversation), total: items.length, fetched: items.length });
});

serve({ fetch: app.fetch, hostname: '127.0.0.1', port: Number(process.env.PORT ?? 0) }, (info) => {
  console.log(JSON.stringify({ msg: 'naive listening', port: info.port, vendors: vendors.map((v) => v.name) }));
});
