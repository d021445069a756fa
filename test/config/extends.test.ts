/**
 * `extends:` in vendor YAML (src/config/extends.ts): a second account of a vendor is a few lines over the
 * first one's file. Real folders on disk, loaded by the loader the gateway uses.
 */
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import { compileVendors } from '../../src/config/compile.js';
import { merge, MAX_EXTENDS_DEPTH } from '../../src/config/extends.js';
import { ConfigError, loadConfig, type ConfigProblem } from '../../src/config/load.js';
import { ROOT } from '../helpers/harness.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A config folder whose vendors/ holds these files (name with extension → text); gateway.yaml is the shipped one. */
async function configDir(vendors: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sb-extends-'));
  dirs.push(dir);
  await mkdir(join(dir, 'vendors'));
  await writeFile(join(dir, 'gateway.yaml'), await readFile(join(ROOT, 'config/gateway.yaml'), 'utf8'));
  for (const [file, text] of Object.entries(vendors)) await writeFile(join(dir, 'vendors', file), text);
  return dir;
}

async function problemsOf(p: Promise<unknown>): Promise<ConfigProblem[]> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(ConfigError);
  return (e as ConfigError).problems;
}

const siteassist = () => readFile(join(ROOT, 'config/vendors/siteassist.yaml'), 'utf8');
/** The shipped file's line that holds `text` (1-based), so the tests don't pin its layout. */
const lineIn = (yaml: string, text: string) => yaml.split('\n').findIndex((l) => l.includes(text)) + 1;

/** A small base that exercises every kind of value: mappings, lists, scalars, a mirror to remove. */
const BASE = `name: acme
baseUrl: \${ACME_BASE_URL:-}
path: /v1/conversations
timeoutMs: 2000
auth: { type: bearer, token: '\${ACME_TOKEN:-demo-acme-token}' }
mirror: { serve: always }
request:
  query: { region: eu, version: '2' }
  pagination: { style: offset, limitParam: limit, offsetParam: offset, maxPageSize: 100, minPageSize: 5 }
response:
  items: data
  total: meta.total
  fields:
    externalId: id
    title: [subject, name]
    status: { path: state, map: { o: open, c: closed } }
`;

describe('extends: the merge', () => {
  it('merges mappings at every depth, replaces lists and scalars, and key: null removes an inherited key', async () => {
    const dir = await configDir({
      'acme.yaml': BASE,
      'acme-us.yaml': `extends: acme.yaml
name: acme-us
baseUrl: \${ACME_US_BASE_URL:-}
auth: { type: bearer, token: '\${ACME_US_TOKEN:-demo-acme-us-token}' }
timeoutMs: 900
mirror: null
request:
  query: { region: us }
response:
  total: null
  fields:
    title: [headline]
    status: { map: { c: closed, x: closed } }
`,
    });
    const { vendors } = await loadConfig(dir, {});
    const [base, us] = ['acme', 'acme-us'].map((n) => vendors.find((v) => v.name === n)!);
    // The base is a vendor of its own, untouched by what extends it.
    expect(base!).toMatchObject({ timeoutMs: 2000, auth: { token: 'demo-acme-token' }, mirror: { serve: 'always' }, request: { query: { region: 'eu', version: '2' } } });
    expect(us!).toMatchObject({ name: 'acme-us', path: '/v1/conversations', timeoutMs: 900, auth: { type: 'bearer', token: 'demo-acme-us-token' } });
    expect(us!.mirror).toBeUndefined();
    expect(us!.request.query).toEqual({ region: 'us', version: '2' });
    expect(us!.request.pagination).toEqual(base!.request.pagination);
    expect(us!.response.total).toBeUndefined();
    expect(us!.response.items).toBe('data');
    expect(us!.response.fields.title).toEqual(['headline']);
    expect(us!.response.fields.status).toEqual({ path: 'state', map: { o: 'open', c: 'closed', x: 'closed' } });
    expect(us!.response.fields.externalId).toBe('id');
  });

  it('keeps a null the base has no key for (a map entry to null), and replaces a mapping by a scalar', () => {
    expect(merge({ map: { a: 'open' } }, { map: { b: null } })).toEqual({ map: { a: 'open', b: null } });
    expect(merge({ title: { path: 'subject' } }, { title: 'name' })).toEqual({ title: 'name' });
    expect(merge({ list: [1, 2, 3] }, { list: [4] })).toEqual({ list: [4] });
    expect(merge({ a: { b: { c: 1, d: 2 } } }, { a: { b: { d: null } } })).toEqual({ a: { b: { c: 1 } } });
  });

  it('interpolates after the merge: a value the instance overrides never asks for the base variable', async () => {
    const dir = await configDir({
      'acme.yaml': BASE,
      'acme-us.yaml': `extends: acme.yaml\nname: acme-us\nauth: { type: bearer, token: '\${ACME_US_TOKEN:-demo-acme-us-token}' }\n`,
    });
    const { substitutions } = await loadConfig(dir, { ACME_TOKEN: 'base-secret' });
    const vars = (name: string) => substitutions[name]!.map((s) => s.variable).sort();
    expect(vars('acme')).toEqual(['ACME_BASE_URL', 'ACME_TOKEN']);
    expect(vars('acme-us')).toEqual(['ACME_BASE_URL', 'ACME_US_TOKEN']);
  });

  it('follows a chain: each file over the one it extends', async () => {
    const dir = await configDir({
      'acme.yaml': BASE,
      'acme-eu.yaml': 'extends: acme.yaml\nname: acme-eu\ntimeoutMs: 1500\nresponse: { fields: { title: topic } }\n',
      'acme-eu2.yaml': 'extends: ./acme-eu.yaml\nname: acme-eu2\nenabled: false\n',
    });
    const eu2 = (await loadConfig(dir, {})).vendors.find((v) => v.name === 'acme-eu2')!;
    expect(eu2).toMatchObject({ enabled: false, timeoutMs: 1500, path: '/v1/conversations', response: { items: 'data', fields: { title: 'topic', externalId: 'id' } } });
  });
});

describe('extends: problems name the file and line', () => {
  it('a cycle, a missing file, a path out of the vendors folder and a chain too deep are problems on the extends line', async () => {
    const chain = Object.fromEntries(
      Array.from({ length: MAX_EXTENDS_DEPTH + 1 }, (_, i) => [`deep${i}.yaml`, i === MAX_EXTENDS_DEPTH ? BASE.replace('name: acme', `name: deep${i}`) : `# a link\nextends: deep${i + 1}.yaml\nname: deep${i}\n`]),
    );
    const dir = await configDir({
      'acme.yaml': BASE,
      'loop-a.yaml': '# one\nextends: loop-b.yaml\nname: loop-a\n',
      'loop-b.yaml': 'name: loop-b\nextends: loop-a.yaml\n',
      'self.yaml': 'extends: self.yaml\nname: self\n',
      'gone.yaml': 'name: gone\n\nextends: nowhere.yaml\n',
      'out.yaml': 'extends: ../gateway.yaml\nname: out\n',
      'sub.yaml': 'extends: bases/acme.yaml\nname: sub\n',
      // Not in a cycle itself, but its chain runs into one: the cycle is said once, by its own files.
      'into-loop.yaml': 'extends: loop-a.yaml\nname: into-loop\n',
      'typed.yaml': 'extends: 3\nname: typed\n',
      ...chain,
    });
    const problems = await problemsOf(loadConfig(dir, {}));
    const on = (file: string) => problems.filter((p) => p.file === join('vendors', file)).map((p) => `${p.line}: ${p.path}: ${p.message}`);
    expect(on('loop-a.yaml')).toEqual(['2: extends: makes a cycle: loop-a.yaml → loop-b.yaml → loop-a.yaml']);
    expect(on('into-loop.yaml')).toEqual([]);
    expect(on('loop-b.yaml')).toEqual(['2: extends: makes a cycle: loop-b.yaml → loop-a.yaml → loop-b.yaml']);
    expect(on('self.yaml')).toEqual(['1: extends: makes a cycle: self.yaml → self.yaml']);
    expect(on('gone.yaml')).toEqual([`3: extends: no such vendor file: ${join('vendors', 'nowhere.yaml')}`]);
    expect(on('out.yaml')).toEqual(['1: extends: "../gateway.yaml" is not a file of the vendors folder: a base must sit beside the vendor files (extends: gateway.yaml)']);
    expect(on('sub.yaml')[0]).toMatch(/^1: extends: "bases\/acme.yaml" is not a file of the vendors folder/);
    expect(on('typed.yaml')).toEqual(['1: extends: must name another vendor file of this folder, as <name>.yaml']);
    // deep0 → … → deep8 is nine files; deep1 → … → deep8 is eight, the most there may be.
    expect(on('deep0.yaml')).toEqual([expect.stringMatching(new RegExp(`^2: extends: the chain deep0.yaml → .* → deep8.yaml is deeper than ${MAX_EXTENDS_DEPTH} files$`))]);
    expect(on('deep1.yaml')).toEqual([]);
    expect(on('acme.yaml')).toEqual([]);
  });

  it('an unset variable is reported at the line it was written, in the base or in the instance, once', async () => {
    const base = (await siteassist()).replace('path: /v2/conversations\n', 'path: ${SITEASSIST_PATH}\n');
    const dir = await configDir({
      'siteassist.yaml': base,
      'siteassist-eu.yaml': `# yaml-language-server: $schema=../vendor.schema.json
extends: siteassist.yaml
name: siteassist-eu
baseUrl: \${SITEASSIST_EU_BASE_URL:-}
auth:
  type: bearer
  token: \${SITEASSIST_EU_TOKEN}
`,
    });
    const problems = await problemsOf(loadConfig(dir, {}));
    expect(problems.map((p) => `${p.file}:${p.line}: ${p.path}: ${p.message}`)).toEqual([
      'vendors/siteassist-eu.yaml:7: auth.token: environment variable SITEASSIST_EU_TOKEN is not set (use ${SITEASSIST_EU_TOKEN:-default} to make it optional)',
      `vendors/siteassist.yaml:${lineIn(base, 'path: ${SITEASSIST_PATH}')}: path: environment variable SITEASSIST_PATH is not set (use \${SITEASSIST_PATH:-default} to make it optional)`,
    ]);
  });

  it("a problem the merge makes (a key the base wrote that no longer fits) is said of the instance, at its line", async () => {
    // The instance turns offset paging into cursor paging: the base's offsetParam no longer fits.
    const dir = await configDir({
      'acme.yaml': BASE,
      'acme-us.yaml': 'extends: acme.yaml\nname: acme-us\nrequest:\n  pagination: { style: cursor, cursorParam: after, limitParam: null }\n',
    });
    const problems = await problemsOf(loadConfig(dir, {}));
    expect(problems).toEqual([
      { file: 'vendors/acme-us.yaml', line: 4, path: 'request.pagination', message: 'Unrecognized key: "offsetParam"' },
    ]);
  });

  it("a dialect problem of the instance in a value it inherited names the instance and where the value was written", async () => {
    const dir = await configDir({ 'acme.yaml': BASE, 'acme-us.yaml': 'extends: acme.yaml\nname: acme-us\nrequest: { pagination: { maxPageSize: 3 } }\n' });
    const config = await loadConfig(dir, { ACME_BASE_URL: 'http://127.0.0.1:1', ACME_TOKEN: 't' });
    expect(() => compileVendors(config)).toThrow(ConfigError);
    const problems = await problemsOf(Promise.resolve().then(() => compileVendors(config)));
    expect(problems).toEqual([
      { file: 'vendors/acme-us.yaml', line: null, path: 'request.pagination.minPageSize', message: `5 is more than the page size 3 (written at vendors/acme.yaml:${lineIn(BASE, 'minPageSize')})` },
    ]);
  });

  it('a demo credential inherited by an instance with a real base URL is refused, naming where it was written', async () => {
    const yaml = await siteassist();
    const dir = await configDir({ 'siteassist.yaml': yaml, 'siteassist-eu.yaml': 'extends: siteassist.yaml\nname: siteassist-eu\nbaseUrl: https://eu.siteassist.test\n' });
    const problems = await problemsOf(loadConfig(dir, {}));
    expect(problems).toEqual([
      {
        file: 'vendors/siteassist-eu.yaml',
        line: null,
        path: 'auth.token',
        message: `SITEASSIST_TOKEN is unset or empty, so its default applies, and that is demo data for the embedded simulator; the vendor's base URL is real (https://eu.siteassist.test): set SITEASSIST_TOKEN (written at vendors/siteassist.yaml:${lineIn(yaml, 'token:')})`,
      },
    ]);
    // Its own credential, set: nothing to say.
    const fixed = await configDir({
      'siteassist.yaml': yaml,
      'siteassist-eu.yaml': 'extends: siteassist.yaml\nname: siteassist-eu\nbaseUrl: https://eu.siteassist.test\nauth: { type: bearer, token: "${SITEASSIST_EU_TOKEN:-demo-eu}" }\n',
    });
    expect((await loadConfig(fixed, { SITEASSIST_EU_TOKEN: 'real-eu' })).vendors.map((v) => [v.name, v.auth])).toEqual([
      ['siteassist-eu', { type: 'bearer', token: 'real-eu' }],
      ['siteassist', { type: 'bearer', token: 'demo-siteassist-token' }],
    ]);
  });

  it('an instance must have its own name; two files of one name name each other', async () => {
    const dir = await configDir({
      'acme.yaml': BASE,
      'acme-us.yaml': 'extends: acme.yaml\nbaseUrl: ""\n',
      'zeta.yaml': BASE.replace('name: acme', 'name: zeta'),
      'zeta.yml': 'extends: zeta.yaml\n',
    });
    const problems = await problemsOf(loadConfig(dir, {}));
    expect(problems.map((p) => `${p.file}:${p.line}: ${p.path}: ${p.message}`)).toEqual([
      'vendors/acme-us.yaml:null: name: must match the file name "acme-us" (it is "acme", from vendors/acme.yaml, which this file extends: an instance needs its own name)',
      'vendors/zeta.yml:1: name: "zeta" is also the name of vendors/zeta.yaml: each vendor needs its own name',
    ]);
  });

  it("a base that doesn't parse is reported once, and its instances say so on their extends line", async () => {
    const dir = await configDir({ 'acme.yaml': 'name: acme\npath: [unclosed\n', 'acme-us.yaml': 'name: acme-us\nextends: acme.yaml\n' });
    const problems = await problemsOf(loadConfig(dir, {}));
    expect(problems.filter((p) => p.file === 'vendors/acme.yaml').length).toBeGreaterThan(0);
    expect(problems.filter((p) => p.message.startsWith('YAML syntax')).every((p) => p.file === 'vendors/acme.yaml')).toBe(true);
    expect(problems.filter((p) => p.file === 'vendors/acme-us.yaml')).toEqual([
      { file: 'vendors/acme-us.yaml', line: 2, path: 'extends', message: "vendors/acme.yaml doesn't parse (its own problems say why)" },
    ]);
  });
});

describe('extends: switchboard config check and explain', () => {
  async function run(argv: string[], env: Record<string, string> = {}) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) }, env);
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  }
  const instance = 'extends: siteassist.yaml\nname: siteassist-eu\nbaseUrl: ${SITEASSIST_EU_BASE_URL:-}\nauth: { type: bearer, token: "${SITEASSIST_EU_TOKEN:-demo-siteassist-eu-token}" }\n';

  it('check: ok with the instance on a simulator; with a real base URL, its inherited demo credentials are problems', async () => {
    const dir = await configDir({ 'siteassist.yaml': await siteassist(), 'siteassist-eu.yaml': instance });
    expect(await run(['config', 'check', dir])).toMatchObject({ code: 0, stdout: 'ok: 2 vendors (siteassist-eu, siteassist)' });
    const real = await run(['config', 'check', dir], { SITEASSIST_BASE_URL: 'https://siteassist.test', SITEASSIST_EU_BASE_URL: 'https://eu.siteassist.test' });
    expect(real.code).toBe(1);
    expect(real.stderr.split('\n')).toEqual([
      `${join(dir, 'vendors/siteassist-eu.yaml')}:4: auth.token: SITEASSIST_EU_TOKEN is unset or empty, so its default applies, and that is demo data for the embedded simulator; the vendor's base URL is real (https://eu.siteassist.test): set SITEASSIST_EU_TOKEN`,
      expect.stringMatching(/vendors\/siteassist\.yaml:\d+: auth\.token: SITEASSIST_TOKEN is unset/),
    ]);
  });

  it('explain: the instance is planned as its own vendor, at its own origin', async () => {
    const dir = await configDir({ 'siteassist.yaml': await siteassist(), 'siteassist-eu.yaml': instance });
    const r = await run(['explain', '--json', 'status=open&orderBy=createdAt'], {
      CONFIG_DIR: dir,
      SITEASSIST_BASE_URL: 'https://siteassist.test',
      SITEASSIST_TOKEN: 'a',
      SITEASSIST_EU_BASE_URL: 'https://eu.siteassist.test/api',
      SITEASSIST_EU_TOKEN: 'b',
    });
    expect(r.stderr).toBe('');
    const vendors = (JSON.parse(r.stdout) as { vendors: { vendor: string; action: string; firstRequest: { url: string } }[] }).vendors;
    expect(vendors.map((v) => [v.vendor, v.action, v.firstRequest.url])).toEqual([
      ['siteassist-eu', 'fetch', 'https://eu.siteassist.test/api/v2/conversations'],
      ['siteassist', 'fetch', 'https://siteassist.test/v2/conversations'],
    ]);
  });
});
