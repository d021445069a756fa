/**
 * The CLI's commands in this process (runCli, what bin/switchboard.js runs), for the cases that don't need
 * a process of their own: the spawned suite (cli.test.ts) covers the launcher and the main paths.
 */
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../../sim/kit.js';
import { runCli } from '../../src/cli/run.js';
import { wootSimulator } from '../dialects/woot.js';
import { DEMO_CREDENTIALS } from '../helpers/demo-credentials.js';
import { ROOT } from '../helpers/harness.js';
import { configCopy, removeConfigCopies } from './config-copy.js';

async function run(argv: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) }, { CONFIG_DIR: join(ROOT, 'config'), ...env });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

afterAll(removeConfigCopies);

describe('config check', () => {
  it('reports dialect and client problems together, once the schema passed', async () => {
    const dir = await configCopy({
      'vendors/pagey.yaml': () =>
        'name: pagey\nbaseUrl: https://example.test\npath: /list\nrequest:\n  pagination: { style: page, maxPageSize: 10 }\nresponse: { items: data, fields: { externalId: id } }\n',
      'gateway.yaml': (t) => t.replace(/^  clients: .*$/m, `  clients:\n    - { id: a, keySha256: ${'a'.repeat(64)}, vendors: [nobody] }`),
    });
    const r = await run(['config', 'check', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')).toEqual(
      expect.arrayContaining([
        `${join(dir, 'vendors/pagey.yaml')}: request.pagination.pageParam: is needed unless \`path\` carries {page}`,
        expect.stringMatching(new RegExp(`^${join(dir, 'gateway.yaml')}: inbound\\.clients\\.0\\.vendors: names nobody, not a configured vendor`)),
      ]),
    );
  });

  it('accepts an empty baseUrl for a vendor an embedded simulator serves, or a disabled one; not with SIMULATORS=off', async () => {
    const off = await run(['config', 'check'], { SIMULATORS: 'off' });
    expect(off.code).toBe(1);
    expect(off.stderr).toContain(`${join(ROOT, 'config/vendors/siteassist.yaml')}: baseUrl: is empty`);
    const urls = { SITEASSIST_BASE_URL: 'https://a.test', SUPERAGENTES_BASE_URL: 'https://b.test', UNCODIE_BASE_URL: 'https://c.test', ...DEMO_CREDENTIALS };
    expect(await run(['config', 'check'], { SIMULATORS: 'off', ...urls })).toMatchObject({ code: 0, stdout: 'ok: 3 vendors (siteassist, superagentes, uncodie)' });

    const dir = await configCopy({
      'vendors/acme.yaml': () => 'name: acme\nenabled: false\nbaseUrl: ""\npath: /x\nrequest: { pagination: { style: none } }\nresponse: { items: $, fields: { externalId: id } }\n',
      'vendors/ghost.yaml': () => 'name: ghost\nsimulator: ghost\nbaseUrl: ""\npath: /x\nrequest: { pagination: { style: none } }\nresponse: { items: $, fields: { externalId: id } }\n',
    });
    const r = await run(['config', 'check', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`${join(dir, 'vendors/ghost.yaml')}: simulator: no embedded simulator is called "ghost" (known: uncodie, superagentes, siteassist); set the vendor's base URL`);
  });

  it('config check reports every unset ${VAR} of every file (file:line, variable) and still checks inbound.clients from API_CLIENTS', async () => {
    const dir = await configCopy({
      'gateway.yaml': (t) => t.replace('${UPSTREAM_TIMEOUT_MS:-5000}', '${NO_TIMEOUT}').replace('${MAX_CONCURRENT:-64}', '${NO_CONCURRENCY}'),
      'vendors/uncodie.yaml': (t) => t.replace('${UNCODIE_RATE_PER_MINUTE:-20}', '${NO_RATE}').replace('${UNCODIE_RATE_BURST:-20}', '${NO_BURST}'),
    });
    const key = 'b'.repeat(64);
    const r = await run(['config', 'check', dir], { API_CLIENTS: `[{id: a, keySha256: "${key}"}, {id: a, keySha256: "${'c'.repeat(64)}", vendors: [nobody]}]` });
    expect(r.code).toBe(1);
    const gw = (await import('node:fs/promises')).readFile;
    const lineOf = async (file: string, text: string) => (await gw(join(dir, file), 'utf8')).split('\n').findIndex((l) => l.includes(text)) + 1;
    const unset = (v: string) => `environment variable ${v} is not set`;
    const lines = r.stderr.split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringContaining(`${join(dir, 'gateway.yaml')}:${await lineOf('gateway.yaml', '${NO_TIMEOUT}')}: upstream.timeoutMs: ${unset('NO_TIMEOUT')}`),
        expect.stringContaining(`${join(dir, 'gateway.yaml')}:${await lineOf('gateway.yaml', '${NO_CONCURRENCY}')}: `),
        expect.stringContaining(`${join(dir, 'vendors/uncodie.yaml')}:${await lineOf('vendors/uncodie.yaml', '${NO_RATE}')}: rateLimit.perMinute: ${unset('NO_RATE')}`),
        expect.stringContaining(`${join(dir, 'vendors/uncodie.yaml')}:${await lineOf('vendors/uncodie.yaml', '${NO_BURST}')}: rateLimit.burst: ${unset('NO_BURST')}`),
        `${join(dir, 'gateway.yaml')}: inbound.clients.1.id: "a" is also the id of inbound.clients.0`,
        expect.stringMatching(/inbound\.clients\.1\.vendors: names nobody, not a configured vendor/),
      ]),
    );
    expect(lines.filter((l) => l.includes('NO_CONCURRENCY'))).toHaveLength(1);
    // Nothing else: an unset value is not also "expected a number".
    expect(lines).toHaveLength(6);
  });

  it('names a disabled vendor as such', async () => {
    const dir = await configCopy({ 'vendors/uncodie.yaml': (t) => t.replace(/^name: uncodie$/m, 'name: uncodie\nenabled: false') });
    expect(await run(['config', 'check', dir])).toMatchObject({ code: 0, stdout: 'ok: 3 vendors (siteassist, superagentes, uncodie (disabled))' });
  });
});

describe('explain', () => {
  it('--json: the plan per vendor and the first request each would get', async () => {
    const r = await run(['explain', '--json', 'status=open&orderBy=createdAt&limit=20&offset=5']);
    expect(r.code).toBe(0);
    const { query, vendors } = JSON.parse(r.stdout) as { query: { limit: number; offset: number }; vendors: Record<string, unknown>[] };
    expect(query).toMatchObject({ limit: 20, offset: 5 });
    const by = Object.fromEntries(vendors.map((v) => [v.vendor, v]));
    expect(by.uncodie).toEqual({
      vendor: 'uncodie', action: 'skip', reason: "status can't be evaluated for this vendor", pushedFilters: [], localFilters: [], order: 'local', read: 'whole', totalFromVendor: false, params: ['site_id'], filterParams: [],
    });
    expect(by.siteassist).toMatchObject({
      action: 'fetch', pushedFilters: ['status'], localFilters: ['status'], order: 'pushed', read: 'lazy', totalFromVendor: true,
      // offset + limit + 2: the page, the item that tells whether there is a next one, and a tie breaker
      firstRequest: { method: 'GET', url: '/v2/conversations', query: 'status=open&orderBy=createdAt&orderDir=desc&limit=27&offset=0', size: 27 },
    });
    expect(by.superagentes).toMatchObject({ action: 'fetch', pushedFilters: [], localFilters: ['status'], order: 'local', read: 'whole', firstRequest: { query: '', size: null } });
  });

  it('shows which parameter carries which filter: its own for a value, its whenAbsent when not filtered by', async () => {
    const dialect = (name: string) => () => readFileSync(join(ROOT, 'test/dialects', `${name}.yaml`), 'utf8');
    const dir = await configCopy({ 'vendors/woot.yaml': dialect('woot'), 'vendors/crisply.yaml': dialect('crisply') });
    const env = { CONFIG_DIR: dir, WOOT_BASE_URL: 'https://woot.test', WOOT_TOKEN: 'w', CRISPLY_BASE_URL: 'https://crisply.test', CRISPLY_IDENTIFIER: 'i', CRISPLY_KEY: 'k', SIMULATORS: 'on' };
    const closed = await run(['explain', 'vendor=crisply&status=closed'], env);
    expect(closed.code, closed.stderr).toBe(0);
    expect(closed.stdout).toContain('  params   filter_resolved ← status=closed\n');
    expect(closed.stdout).toMatch(/first {4}GET https:\/\/crisply\.test\/v1\/website\/test-website\/conversations\/1\?filter_resolved=1&per_page=50\n?/);
    const woot = await run(['explain', '--json', 'vendor=woot'], env);
    expect(woot.code, woot.stderr).toBe(0);
    const [plan] = JSON.parse(woot.stdout).vendors;
    expect(plan).toMatchObject({ pushedFilters: [], filterParams: ['status ← status (absent: all)'], firstRequest: { query: 'status=all&page=1' } });
    const wootClosed = JSON.parse((await run(['explain', '--json', 'vendor=woot&status=closed'], env)).stdout).vendors[0];
    expect(wootClosed).toMatchObject({ pushedFilters: ['status'], filterParams: ['status ← status=closed'], firstRequest: { query: 'status=resolved&page=1' } });
  });

  it("hides fixed parameters' values (they may be secrets) and shows the vendor's origin when it has one", async () => {
    const r = await run(['explain', '--json', 'vendor=uncodie&leadId=0e8b5a0c-8f7e-4b4e-9c1d-2a3b4c5d6e7f'], {
      UNCODIE_SITE_ID: '11111111-2222-4333-8444-555555555555',
      UNCODIE_BASE_URL: 'https://api.uncodie.test/prefix',
      SIMULATORS: 'on', // the other vendors stay on their (never started) simulators
    });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('11111111');
    const [plan] = (JSON.parse(r.stdout) as { vendors: { firstRequest: { url: string; query: string } }[] }).vendors;
    expect(plan!.firstRequest).toMatchObject({
      url: 'https://api.uncodie.test/prefix/api/agents/customerSupport/conversations',
      query: 'site_id=…&lead_id=0e8b5a0c-8f7e-4b4e-9c1d-2a3b4c5d6e7f&limit=100&offset=0',
    });
  });

  it('an invalid query is exit 2 with every reason, as the API lists them in invalidParams', async () => {
    const r = await run(['explain', 'status=maybe&nope=1&limit=0&limit=3&createdAfter=2024-02-30T00:00:00Z']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')).toEqual(
      expect.arrayContaining(['invalid query:', '  status: must be open or closed', '  nope: unknown parameter', '  limit: given more than once; send it once', '  createdAfter: is not a real date-time']),
    );
    const planned = await run(['explain', 'vendor=uncodie&leadId=not-a-uuid']);
    expect(planned.code).toBe(2);
    expect(planned.stderr).toContain('leadId: must be a UUID (version 1-5, RFC 4122 variant) (required by vendor uncodie)');
    const strict = await run(['explain', 'status=open&strict=true']);
    expect(strict.code).toBe(2);
    expect(strict.stderr).toContain("status: vendor uncodie can't evaluate it (strict=true)");
    const cursor = await run(['explain', 'cursor=abc']);
    expect(cursor.code).toBe(2);
    expect(cursor.stderr).toContain('cursor: a cursor carries its own query');
  });

  it('a vendor that can hold no match is not called', async () => {
    const r = await run(['explain', 'vendor=siteassist&channel=email']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('siteassist: not called (no match possible) — channel=email can never match on this vendor');
  });

  it("says which order is the vendor's natural one (nothing sent) and which parameters ask for the others", async () => {
    const latestfirst = await readFile(join(ROOT, 'test/dialects/latestfirst.yaml'), 'utf8');
    const dir = await configCopy({ 'vendors/latestfirst.yaml': () => latestfirst });
    const env = { LATESTFIRST_BASE_URL: 'https://lf.test', LATESTFIRST_TOKEN: 'lf-secret', SIMULATORS: 'on' };
    const natural = await run(['explain', 'vendor=latestfirst,siteassist&orderBy=updatedAt&orderDir=desc&limit=10', '--config', dir], env);
    expect(natural.code, natural.stderr).toBe(0);
    const lines = natural.stdout.split('\n');
    expect(lines).toContain('  order    natural (the vendor answers in updatedAt desc unasked: no order parameter sent)');
    expect(lines).toContain('  first    GET https://lf.test/conversations?page=1&per_page=12');
    expect(lines).toContain('  order    pushed (the vendor sorts by updatedAt desc: orderBy=updatedAt&orderDir=desc)');
    const other = await run(['explain', 'vendor=latestfirst&orderBy=updatedAt&orderDir=asc', '--config', dir], env);
    expect(other.stdout.split('\n')).toEqual(expect.arrayContaining(['  order    local (sorted here)', expect.stringMatching(/^  read     whole /)]));
  });
});

describe('probe', () => {
  it('counts, per field, values the mapping cannot take, and the items it drops', async () => {
    const dir = await configCopy({
      'vendors/siteassist.yaml': (t) =>
        t
          .replace('handledBy: { path: isHumanHandled, map: { "true": human, "false": ai } }', 'handledBy: { path: isHumanHandled, map: { "true": human } }')
          .replace('closedAt: { path: closedAt, time: iso }', 'closedAt: { path: title, time: unix }'),
    });
    const r = await run(['probe', 'siteassist', '--json', '--query', 'limit=40', '--config', dir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as {
      status: number;
      simulator: boolean;
      page: { items: number; mapped: number; total: number; dropped: unknown[]; fields: { field: string; present: number; missing: number; invalid: number; example?: unknown }[] };
    };
    expect(report).toMatchObject({ status: 200, simulator: true, page: { items: 42, total: 300 } });
    const { page } = report;
    // Items with a title carry a "closedAt" that is no Unix time: dropped, and the field is named.
    expect(page.mapped).toBeGreaterThan(0);
    expect(page.mapped).toBeLessThan(page.items);
    expect(page.dropped).toEqual([{ reason: 'unreadable timestamp', count: page.items - page.mapped, fields: [{ field: 'closedAt', example: expect.any(String) }] }]);
    // `false` is no longer in the map and is no unified value: invalid, not missing.
    const handledBy = page.fields.find((f) => f.field === 'handledBy')!;
    expect(handledBy).toMatchObject({ missing: 0, example: false });
    expect(handledBy.invalid).toBeGreaterThan(0);
    expect(handledBy.present + handledBy.invalid).toBe(page.mapped);
    for (const f of page.fields) expect(f.present + f.missing + f.invalid, f.field).toBe(page.mapped);
  });

  it("sends a filter's whenAbsent: the first page of a vendor that answers open ones unless status=all is sent", async () => {
    const data = wootSimulator.demoData(3, 40);
    const sim = await startSimulator(wootSimulator.behaviour({ header: { name: 'api_access_token', value: 'w' }, query: {} }), { data });
    try {
      const dir = await configCopy({ 'vendors/woot.yaml': () => readFileSync(join(ROOT, 'test/dialects/woot.yaml'), 'utf8') });
      const r = await run(['probe', 'woot', '--json', '--config', dir], { WOOT_BASE_URL: sim.url, WOOT_TOKEN: 'w', SIMULATORS: 'on' });
      expect(r.stderr).toBe('');
      const report = JSON.parse(r.stdout);
      expect(report).toMatchObject({ status: 200, request: { query: 'status=all&page=1' }, page: { items: 25, total: data.length, morePages: true } });
      expect(sim.calls.map((c) => c.query.get('status'))).toEqual(['all']);
    } finally {
      await sim.close();
    }
  });

  it('probe counts a value mapped to null as missing, not present', async () => {
    const dir = await configCopy({
      'vendors/siteassist.yaml': (t) => t.replace('handledBy: { path: isHumanHandled, map: { "true": human, "false": ai } }', 'handledBy: { path: isHumanHandled, map: { "true": human, "false": null } }'),
    });
    const r = await run(['probe', 'siteassist', '--json', '--query', 'limit=40', '--config', dir]);
    expect(r.code).toBe(0);
    const { page } = JSON.parse(r.stdout) as { page: { items: number; mapped: number; fields: { field: string; present: number; missing: number; invalid: number }[] } };
    const handledBy = page.fields.find((f) => f.field === 'handledBy')!;
    // The simulator's items are handed to humans or not: both kinds are in 40.
    expect(handledBy.missing).toBeGreaterThan(0);
    expect(handledBy.present).toBeGreaterThan(0);
    expect(handledBy).toMatchObject({ invalid: 0, present: page.mapped - handledBy.missing });
  });

  it('reports fields read only with an include as such, and reads them when the query includes them', async () => {
    const plain = await run(['probe', 'superagentes']);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/^messages +read only with include=messages$/m);
    const withMessages = await run(['probe', 'superagentes', '--query', 'include=messages&limit=5', '--json']);
    const fields = (JSON.parse(withMessages.stdout) as { page: { items: number; fields: { field: string; present: number }[] } }).page;
    expect(fields.fields.find((f) => f.field === 'messages')!.present).toBe(fields.items);
  });

  it('a transport failure is exit 1 with the unified error', async () => {
    const r = await run(['probe', 'siteassist'], { SIM_FAULTS: 'siteassist=reset' });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^no HTTP answer after \d+ ms$/m);
    expect(r.stdout).toMatch(/^error UPSTREAM_(UNAVAILABLE|INVALID_RESPONSE) \(gateway status 50\d\): GET http:\/\/127\.0\.0\.1:\d+\/v2\/conversations: /m);
  });

  it('an unknown vendor, or a query this vendor cannot take, is exit 2; no base URL and no simulator is exit 1', async () => {
    const unknown = await run(['probe', 'acme']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^switchboard: no vendor "acme" in \S+ \(configured: siteassist, superagentes, uncodie\)/);
    const skipped = await run(['probe', 'uncodie', '--query', 'status=open']);
    expect(skipped).toMatchObject({ code: 2, stderr: "uncodie: nothing to call for this query: status can't be evaluated for this vendor" });
    const off = await run(['probe', 'siteassist'], { SIMULATORS: 'off' });
    expect(off).toMatchObject({ code: 1, stderr: "siteassist: baseUrl is empty: set the vendor's URL (its environment variable) or run with SIMULATORS=auto" });
  });
});

describe('command line', () => {
  it('--help for every command, exit 0', async () => {
    for (const args of [['help'], ['config', '--help'], ['config', 'check', '--help'], ['explain', '--help'], ['probe', '-h'], ['serve', '--help'], ['schema', '--help']]) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout, args.join(' ')).toMatch(/^Usage: switchboard/);
    }
  });

  it('a wrong command line is exit 2 with what is wrong and the usage', async () => {
    expect(await run([])).toMatchObject({ code: 2, stdout: expect.stringMatching(/^Usage: switchboard <command>/) });
    const bad = await run(['explain', '--jsn', 'limit=1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^switchboard: Unknown option '--jsn'.*\n\nUsage: switchboard explain/s);
    expect((await run(['explain'])).code).toBe(2);
    expect((await run(['config', 'lint'])).stderr).toMatch(/^switchboard: unknown config command: lint \(known: check\)/);
    expect((await run(['config', 'check', 'a', 'b'])).stderr).toMatch(/^switchboard: unexpected argument: b/);
    expect((await run(['serve', '--port', '1'])).code).toBe(2);
    expect((await run(['toString'])).stderr).toMatch(/^switchboard: unknown command: toString/);
  });

  it('schema --check: the committed schemas are current; a stale one is exit 1', async () => {
    expect(await run(['schema', '--check'])).toMatchObject({ code: 0, stderr: '' });
    const dir = await configCopy({ 'vendor.schema.json': () => '{}\n' });
    const stale = await run(['schema', '--check', dir]);
    expect(stale).toMatchObject({ code: 1, stderr: `out of date: ${join(dir, 'vendor.schema.json')} (run switchboard schema)` });
    expect(await run(['schema', dir])).toMatchObject({ code: 0, stdout: `wrote ${join(dir, 'vendor.schema.json')}\nup to date: ${join(dir, 'gateway.schema.json')}` });
    expect((await run(['schema', '--check', dir])).code).toBe(0);
  });
});
