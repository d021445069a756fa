import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { compileVendors } from '../../src/config/compile.js';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { interpolate } from '../../src/config/interpolate.js';
import { DEMO_CREDENTIALS } from '../helpers/demo-credentials.js';
import { ROOT } from '../helpers/harness.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function configDir(vendors: Record<string, string>, gateway?: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sb-config-'));
  dirs.push(dir);
  await mkdir(join(dir, 'vendors'));
  if (gateway !== undefined) await writeFile(join(dir, 'gateway.yaml'), gateway);
  for (const [name, text] of Object.entries(vendors)) await writeFile(join(dir, 'vendors', `${name}.yaml`), text);
  return dir;
}

async function problemsOf(p: Promise<unknown>) {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(ConfigError);
  return (e as ConfigError).problems;
}

const siteassist = () => readFile(join(ROOT, 'config/vendors/siteassist.yaml'), 'utf8');

describe('interpolate', () => {
  it('replaces ${VAR} and ${VAR:-default}, and names the path of a missing variable', () => {
    expect(interpolate({ a: 'x-${A}-y', b: ['${B:-dflt}'], c: 3 }, { A: '1' })).toEqual({ a: 'x-1-y', b: ['dflt'], c: 3 });
    expect(() => interpolate({ deep: { list: ['${NOPE}'] } }, {})).toThrowError(/NOPE is not set/);
    try {
      interpolate({ deep: { list: ['${NOPE}'] } }, {});
    } catch (e) {
      expect((e as { path: unknown }).path).toEqual(['deep', 'list', 0]);
    }
  });

  it('treats an empty variable as unset so the default applies', () => {
    expect(interpolate('${X:-fallback}', { X: '' })).toBe('fallback');
  });
});

describe('loadConfig', () => {
  it('loads the shipped config and compiles every vendor', async () => {
    const env = { UNCODIE_BASE_URL: 'http://127.0.0.1:1', SUPERAGENTES_BASE_URL: 'http://127.0.0.1:2', SITEASSIST_BASE_URL: 'http://127.0.0.1:3', ...DEMO_CREDENTIALS };
    const cfg = await loadConfig(join(ROOT, 'config'), env);
    expect(cfg.vendors.map((v) => v.name)).toEqual(['siteassist', 'superagentes', 'uncodie']);
    expect(cfg.gateway.upstream.timeoutMs).toBe(5000);
    const vendors = compileVendors(cfg);
    expect(vendors.map((v) => v.origin)).toEqual(['http://127.0.0.1:3', 'http://127.0.0.1:2', 'http://127.0.0.1:1']);
  });

  it('takes numbers from env through interpolation', async () => {
    const dir = await configDir({ siteassist: await siteassist() }, 'upstream:\n  timeoutMs: ${T:-5000}\n');
    const cfg = await loadConfig(dir, { T: '1234' });
    expect(cfg.gateway.upstream.timeoutMs).toBe(1234);
  });

  it('names file, line, path and expectation for a schema problem', async () => {
    const text = (await siteassist()).replace('maxPageSize: 100', 'maxPageSize: lots');
    const problems = await problemsOf(loadConfig(await configDir({ siteassist: text }), {}));
    expect(problems).toHaveLength(1);
    const p = problems[0]!;
    expect(p.file).toBe(join('vendors', 'siteassist.yaml'));
    expect(p.path).toBe('request.pagination.maxPageSize');
    expect(p.line).toBe(text.split('\n').findIndex((l) => l.includes('maxPageSize: lots')) + 1);
    expect(p.message).toMatch(/number/i);
  });

  it('rejects a typo in a key instead of ignoring it', async () => {
    const text = (await siteassist()).replace('limitParam: limit', 'limitParm: limit');
    const problems = await problemsOf(loadConfig(await configDir({ siteassist: text }), {}));
    expect(problems.some((p) => p.path.startsWith('request.pagination') && /limitParm|limitParam/.test(p.message + p.path))).toBe(true);
  });

  it('reports YAML syntax errors with their line', async () => {
    const problems = await problemsOf(loadConfig(await configDir({ siteassist: 'name: siteassist\n  bad: [indent\n' }), {}));
    expect(problems[0]!.message).toMatch(/YAML syntax/);
    expect(problems[0]!.line).toBeGreaterThan(0);
  });

  it('names the file and path of a missing environment variable', async () => {
    const text = (await siteassist()).replace('${SITEASSIST_BASE_URL:-}', '${SITEASSIST_REQUIRED_URL}');
    const problems = await problemsOf(loadConfig(await configDir({ siteassist: text }), {}));
    expect(problems[0]).toMatchObject({ path: 'baseUrl', message: expect.stringMatching(/SITEASSIST_REQUIRED_URL is not set/) });
  });

  it('requires the vendor name to match its file name', async () => {
    const problems = await problemsOf(loadConfig(await configDir({ other: await siteassist() }), {}));
    expect(problems[0]).toMatchObject({ path: 'name', message: expect.stringMatching(/"other"/) });
  });

  it('reports every broken file at once', async () => {
    const bad = (await siteassist()).replace('style: offset', 'style: sideways');
    const problems = await problemsOf(loadConfig(await configDir({ siteassist: bad, other: 'name: other\n' }), {}));
    expect(new Set(problems.map((p) => p.file)).size).toBe(2);
  });

  it('a fixed parameter and a filter parameter of the same name are a load error naming both lines', async () => {
    const text = (await siteassist()).replace('request:\n', 'request:\n  query: { status: all }\n');
    const problems = await problemsOf(loadConfig(await configDir({ siteassist: text }), DEMO_CREDENTIALS));
    const lineOf = (s: string) => text.split('\n').findIndex((l) => l.includes(s)) + 1;
    const file = join('vendors', 'siteassist.yaml');
    expect(problems).toEqual([
      {
        file,
        line: lineOf('status: { param: status'),
        path: 'request.filters.status.param',
        message: expect.stringContaining(`"status" is also the fixed parameter request.query.status (${file}:${lineOf('query: { status: all }')}): every request would send status= twice`),
      },
    ]);
  });

  it('two filters sending one parameter are a load error naming both lines', async () => {
    const text = (await siteassist()).replace('  filters:\n', '  filters:\n    channel: { param: status }\n');
    const problems = await problemsOf(loadConfig(await configDir({ siteassist: text }), DEMO_CREDENTIALS));
    const lineOf = (s: string) => text.split('\n').findIndex((l) => l.includes(s)) + 1;
    const file = join('vendors', 'siteassist.yaml');
    expect(problems).toEqual([
      {
        file,
        line: lineOf('status: { param: status'),
        path: 'request.filters.status.param',
        message: `"status" is also set by request.filters.channel.param (${file}:${lineOf('channel: { param: status }')}): a request using both would send status= twice, and which one the vendor honours is its own choice: give each its own parameter`,
      },
    ]);
  });

  it('rejects a malformed UUID scope at compile time, naming the parameter', async () => {
    const text = await readFile(join(ROOT, 'config/vendors/uncodie.yaml'), 'utf8');
    const cfg = await loadConfig(await configDir({ uncodie: text }), { UNCODIE_BASE_URL: 'http://127.0.0.1:1', UNCODIE_SITE_ID: '0190d3e4-7b2c-7def-8abc-123456789abc' });
    expect(() => compileVendors(cfg)).toThrowError(ConfigError);
    try {
      compileVendors(cfg);
    } catch (e) {
      expect((e as ConfigError).problems[0]).toMatchObject({ file: 'vendors/uncodie.yaml', path: 'request.query.site_id', message: expect.stringMatching(/not a UUID/) });
    }
  });

  it('rejects a field map whose target is not a unified value', async () => {
    const text = (await siteassist()).replace('map: { "true": human, "false": ai }', 'map: { "true": person, "false": ai }');
    const cfg = await loadConfig(await configDir({ siteassist: text }), { SITEASSIST_BASE_URL: 'http://127.0.0.1:1', SITEASSIST_TOKEN: 't' });
    expect(() => compileVendors(cfg)).toThrowError(/handledBy\.map\.true.*"person"/s);
  });

  it('takes inbound.clients from API_CLIENTS, a YAML list from a secret, and names what is wrong in it', async () => {
    const hash = 'ab'.repeat(32);
    const cfg = await loadConfig(join(ROOT, 'config'), { API_CLIENTS: `[{id: billing, keySha256: "${hash}", vendors: [siteassist]}]` });
    expect(cfg.gateway.inbound.clients).toEqual([{ id: 'billing', keySha256: hash, scopes: ['conversations:read'], vendors: ['siteassist'] }]);
    expect((await loadConfig(join(ROOT, 'config'), {})).gateway.inbound.clients).toEqual([]);
    const line = (await readFile(join(ROOT, 'config/gateway.yaml'), 'utf8')).split('\n').findIndex((l) => l.startsWith('  clients:')) + 1;
    expect(await problemsOf(loadConfig(join(ROOT, 'config'), { API_CLIENTS: 'billing=abc' }))).toEqual([
      { file: 'gateway.yaml', line, path: 'inbound.clients', message: expect.stringMatching(/^a list of clients, or a \$\{VAR\} holding one as YAML/) },
    ]);
    expect(await problemsOf(loadConfig(join(ROOT, 'config'), { API_CLIENTS: `[{id: "no spaces", keySha256: "${hash}"}]` }))).toEqual([
      expect.objectContaining({ file: 'gateway.yaml', line, path: 'inbound.clients.0.id' }),
    ]);
  });

  it('refuses an empty base URL when no simulator will serve it', async () => {
    const cfg = await loadConfig(await configDir({ siteassist: await siteassist() }), {});
    expect(() => compileVendors(cfg)).toThrowError(/baseUrl: is empty/);
  });
});
