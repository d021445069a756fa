/**
 * A second account of a vendor (`extends:`, src/config/extends.ts) through the gateway's HTTP API: the
 * shipped siteassist.yaml and a four-line instance of it, each on its own embedded simulator with its own
 * credentials, both fanned out to and merged; a change to the base reloads the instance too.
 */
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulators } from '../../sim/index.js';
import { watchConfig } from '../../src/config/watch.js';
import { buildGateway, type Gateway } from '../../src/gateway.js';
import { memoryLogger, ROOT } from '../helpers/harness.js';
import { getJson } from '../helpers/http.js';

const INSTANCE = `# yaml-language-server: $schema=../vendor.schema.json
# A second SiteAssist workspace: everything but its name, URL and token comes from siteassist.yaml.
extends: siteassist.yaml
name: siteassist-eu
baseUrl: \${SITEASSIST_EU_BASE_URL:-}
auth:
  type: bearer
  token: \${SITEASSIST_EU_TOKEN:-demo-siteassist-eu-token}
`;

interface Rig {
  dir: string;
  gateway: Gateway;
  url: string;
  close(): Promise<void>;
}

async function startRig(vendors: Record<string, string>, mirrors = false): Promise<Rig> {
  const dir = await mkdtemp(join(tmpdir(), 'sb-instances-'));
  await mkdir(join(dir, 'vendors'));
  await writeFile(join(dir, 'gateway.yaml'), await readFile(join(ROOT, 'config/gateway.yaml'), 'utf8'));
  for (const [file, text] of Object.entries(vendors)) await writeFile(join(dir, 'vendors', file), text);
  const gateway = await buildGateway({
    configDir: dir,
    env: { CLIENT_RATE_PER_MINUTE: '1000000', CLIENT_RATE_BURST: '100000' },
    logger: memoryLogger(),
    simulators,
    simulatorData: { seed: 7, count: 40 },
    cursorSecret: 'test-secret-0123456789abcdef',
    ...(mirrors ? { mirrors: { store: 'sqlite::memory:', dataDir: dir } } : {}),
  });
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: gateway.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    dir,
    gateway,
    url,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gateway.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

type Page = { data: { vendor: string; title: string | null }[]; sources: { vendor: string; status: string }[]; total: number | null };

describe('a second account of a vendor, through the gateway', () => {
  let rig: Rig;
  let base: string;
  beforeAll(async () => {
    base = await readFile(join(ROOT, 'config/vendors/siteassist.yaml'), 'utf8');
    rig = await startRig({ 'siteassist.yaml': base, 'siteassist-eu.yaml': INSTANCE });
  });
  afterAll(async () => rig?.close());

  it('serves both accounts, each on its own simulator, fanned out to and merged', async () => {
    expect([...rig.gateway.simulators.keys()].sort()).toEqual(['siteassist', 'siteassist-eu']);
    const res = await getJson(`${rig.url}/conversations?limit=100`);
    expect(res.status).toBe(200);
    const page = res.body as Page;
    expect(page.sources.map((s) => [s.vendor, s.status]).sort()).toEqual([['siteassist', 'ok'], ['siteassist-eu', 'ok']]);
    expect(page.total).toBe(80);
    expect(new Set(page.data.map((i) => i.vendor))).toEqual(new Set(['siteassist', 'siteassist-eu']));
    const one = (await getJson(`${rig.url}/conversations?vendor=siteassist-eu&limit=5`)).body as Page;
    expect(one.sources.map((s) => s.vendor)).toEqual(['siteassist-eu']);
    expect(one.data.every((i) => i.vendor === 'siteassist-eu')).toBe(true);
  });

  it('calls each account with its own credentials, and neither simulator takes the other one', async () => {
    const sa = rig.gateway.simulators.get('siteassist')!;
    const eu = rig.gateway.simulators.get('siteassist-eu')!;
    const before = [sa.calls.length, eu.calls.length];
    expect((await getJson(`${rig.url}/conversations?limit=3`)).status).toBe(200);
    const sent = (calls: typeof sa.calls, from: number) => new Set(calls.slice(from).map((c) => c.headers.authorization));
    expect(sent(sa.calls, before[0]!)).toEqual(new Set(['Bearer demo-siteassist-token']));
    expect(sent(eu.calls, before[1]!)).toEqual(new Set(['Bearer demo-siteassist-eu-token']));
    const asked = async (sim: typeof sa, token: string) =>
      (await request(`${sim.url}/v2/conversations?limit=1`, { headers: { authorization: `Bearer ${token}` } })).statusCode;
    expect(await asked(eu, 'demo-siteassist-token')).toBe(401);
    expect(await asked(sa, 'demo-siteassist-eu-token')).toBe(401);
    expect(await asked(eu, 'demo-siteassist-eu-token')).toBe(200);
  });

  it('CONFIG_WATCH: a change to the base reloads its instance too', async () => {
    const watcher = watchConfig(rig.dir, () => void rig.gateway.reload(), { debounceMs: 50 });
    await watcher.ready;
    const titles = async () => {
      const page = (await getJson(`${rig.url}/conversations?limit=100`)).body as Page;
      return new Set(page.data.map((i) => `${i.vendor}: ${i.title}`));
    };
    try {
      await writeFile(join(rig.dir, 'vendors', 'siteassist.yaml'), base.replace(/^ {4}title: title$/m, '    title: { const: "from the base" }'));
      const want = new Set(['siteassist: from the base', 'siteassist-eu: from the base']);
      let seen = await titles();
      for (let i = 0; i < 200 && JSON.stringify([...seen].sort()) !== JSON.stringify([...want].sort()); i++) {
        await new Promise((r) => setTimeout(r, 50));
        seen = await titles();
      }
      expect(seen).toEqual(want);
    } finally {
      await watcher.close();
      await writeFile(join(rig.dir, 'vendors', 'siteassist.yaml'), base);
      await rig.gateway.reload();
    }
  });
});

describe('a second account with mirrors', () => {
  it('each account has its own mirror; an instance says mirror: null to have none', async () => {
    const base = `${await readFile(join(ROOT, 'config/vendors/siteassist.yaml'), 'utf8')}\nmirror:\n  serve: always\n`;
    const rig = await startRig(
      {
        'siteassist.yaml': base,
        'siteassist-eu.yaml': INSTANCE,
        'siteassist-us.yaml': INSTANCE.replaceAll('siteassist-eu', 'siteassist-us').replaceAll('SITEASSIST_EU', 'SITEASSIST_US') + 'mirror: null\n',
      },
      true,
    );
    try {
      const until = Date.now() + 20_000;
      let statuses = new Map<string, { state: string }>();
      while (Date.now() < until) {
        statuses = (await rig.gateway.mirrors!.status()) as Map<string, { state: string }>;
        if ([...statuses.values()].every((s) => s.state === 'ready') && statuses.size === 2) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect([...statuses.keys()].sort()).toEqual(['siteassist', 'siteassist-eu']);
      expect([...statuses.values()].map((s) => s.state)).toEqual(['ready', 'ready']);
      const page = (await getJson(`${rig.url}/conversations?limit=100`)).body as Page;
      expect(page.sources.map((s) => [s.vendor, s.status]).sort()).toEqual([['siteassist', 'ok'], ['siteassist-eu', 'ok'], ['siteassist-us', 'ok']]);
      expect(page.total).toBe(120);
      // Each mirror holds its own account's conversations: its simulator's, not the base's.
      const eu = (await getJson(`${rig.url}/conversations?vendor=siteassist-eu&limit=100`)).body as Page;
      expect(eu.data.length).toBe(40);
      expect(eu.data.every((i) => i.vendor === 'siteassist-eu')).toBe(true);
    } finally {
      await rig.close();
    }
  });
});
