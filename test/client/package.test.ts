/**
 * @switchboard/client as a user gets it: `npm pack` of the workspace (its prepack builds it), the tarball
 * installed offline into an empty project, then a cursor walk against a real gateway from `import` and
 * from `require` (child node processes), and the shipped types compiled on their own from both.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startHarness, type Harness } from '../helpers/harness.js';

const run = promisify(execFile);

/** The environment without npm's own variables (set when run under `npm test`), so only our flags count. */
const cleanEnv = (extra: Record<string, string> = {}) => ({ ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k))), ...extra });

let tmp: string;
let app: string;
let packed: { filename: string; files: { path: string }[] };
let h: Harness;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'sb-client-pack-'));
  app = join(tmp, 'app');
  const [pack, harness] = await Promise.all([
    run('npm', ['pack', '--workspace', 'packages/client', '--pack-destination', tmp, '--json', '--silent'], { cwd: ROOT, env: cleanEnv(), maxBuffer: 16 << 20 }),
    startHarness(),
  ]);
  h = harness;
  packed = (JSON.parse(pack.stdout) as (typeof packed)[])[0]!;
  await mkdir(app);
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  // Offline, with an empty cache and a registry nobody answers at: the install must need nothing but the tarball.
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', join(tmp, packed.filename)], {
    cwd: app,
    env: cleanEnv({ npm_config_registry: 'http://127.0.0.1:9/', npm_config_cache: join(tmp, 'npm-cache') }),
  });
}, 60_000);

afterAll(async () => {
  await h?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** The walk both module systems run: every page of open conversations, then a request the gateway refuses. */
const WALK = `
const sb = createClient({ baseUrl: process.env.GATEWAY_URL, headers: { 'x-request-id': 'package-test' } });
(async () => {
  const pages = [];
  for await (const page of sb.walkConversations({ status: 'open', limit: 40 })) {
    pages.push({ ids: page.data.map((c) => c.id), statuses: [...new Set(page.data.map((c) => c.status))], partial: page.partial, nextCursor: page.nextCursor });
  }
  let refused;
  try {
    for await (const _ of sb.walkConversations({ orderBy: 'title', limit: 1000 })) refused = 'a page';
  } catch (e) {
    refused = {
      walkError: e instanceof SwitchboardWalkError, switchboardError: e instanceof SwitchboardError, error: e instanceof Error,
      name: e.name, status: e.status, code: e.code, attempts: e.attempts, pages: e.pages, cursor: e.cursor,
      requestId: e.problem && e.problem.requestId, invalid: e.problem && e.problem.invalidParams.map((p) => p.name).sort(),
    };
  }
  console.log(JSON.stringify({ loaded: LOADED, pages, refused }));
})().catch((e) => { console.error(e); process.exit(1); });
`;

async function walkFrom(file: string, head: string): Promise<{ loaded: string; pages: { ids: string[]; statuses: string[]; partial: boolean; nextCursor: string | null }[]; refused: Record<string, unknown> }> {
  await writeFile(join(app, file), head + WALK);
  const { stdout } = await run(process.execPath, [file], { cwd: app, env: { PATH: process.env.PATH ?? '', GATEWAY_URL: h.url } });
  return JSON.parse(stdout);
}

/** Every open conversation's id, in the default order, read by offset straight from the gateway. */
async function openIdsByOffset(): Promise<string[]> {
  const ids: string[] = [];
  for (let offset = 0; ; offset += 100) {
    const res = await h.get(`/conversations?status=open&limit=100&offset=${offset}`);
    expect(res.status).toBe(200);
    ids.push(...(res.body.data as { id: string }[]).map((c) => c.id));
    if (!res.body.hasMore) return ids;
  }
}

describe('@switchboard/client, packed and installed', () => {
  it('the tarball holds the ESM and CommonJS builds with their types and the README, and no source', async () => {
    const files = packed.files.map((f) => f.path).sort();
    for (const f of ['README.md', 'package.json', 'dist/esm/index.js', 'dist/esm/index.d.ts', 'dist/cjs/index.js', 'dist/cjs/index.d.ts', 'dist/cjs/package.json']) expect(files).toContain(f);
    expect(files.filter((f) => !/^(README\.md|package\.json|dist\/(esm|cjs)\/[\w-]+\.(js|d\.ts)|dist\/cjs\/package\.json)$/.test(f))).toEqual([]);
    const installed = join(app, 'node_modules/@switchboard/client');
    expect(JSON.parse(await readFile(join(installed, 'dist/cjs/package.json'), 'utf8'))).toEqual({ type: 'commonjs' });
    // Each built file imports only its siblings: nothing of the server, no package at all.
    for (const f of files.filter((p) => p.startsWith('dist/') && /\.(js|d\.ts)$/.test(p))) {
      const text = (await readFile(join(installed, f), 'utf8')).replace(/\/\*[\s\S]*?\*\//g, ''); // not the usage in doc comments
      const specifiers = [...text.matchAll(/\b(?:from|import|require)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);
      expect(specifiers.filter((s) => !/^\.\/[\w-]+\.js$/.test(s)), f).toEqual([]);
    }
  });

  it('installs offline into an empty project, adding nothing but itself (no dependencies)', async () => {
    const manifest = JSON.parse(await readFile(join(app, 'node_modules/@switchboard/client/package.json'), 'utf8')) as Record<string, unknown>;
    expect([manifest.dependencies, manifest.peerDependencies, manifest.optionalDependencies]).toEqual([undefined, undefined, undefined]);
    expect((await readdir(join(app, 'node_modules'))).filter((d) => d !== '.package-lock.json')).toEqual(['@switchboard']);
    expect(await readdir(join(app, 'node_modules/@switchboard'))).toEqual(['client']);
  });

  for (const [system, file, head, build] of [
    ['import', 'walk.mjs', "import { createClient, SwitchboardError, SwitchboardWalkError } from '@switchboard/client';\nconst LOADED = import.meta.resolve('@switchboard/client');\n", 'dist/esm/index.js'],
    ['require', 'walk.cjs', "const { createClient, SwitchboardError, SwitchboardWalkError } = require('@switchboard/client');\nconst LOADED = require.resolve('@switchboard/client');\n", 'dist/cjs/index.js'],
  ] as const) {
    it(`${system}: walks a real gateway by cursor, every open conversation once and in order, and a refused request is a typed error`, async () => {
      const [got, want] = await Promise.all([walkFrom(file, head), openIdsByOffset()]);
      expect(got.loaded).toMatch(new RegExp(`node_modules/@switchboard/client/${build}$`));
      const ids = got.pages.flatMap((p) => p.ids);
      expect(got.pages.length).toBeGreaterThan(2);
      expect(got.pages.slice(0, -1).every((p) => p.ids.length === 40 && p.nextCursor)).toBe(true);
      expect(got.pages.at(-1)!.nextCursor).toBeNull();
      expect(got.pages.every((p) => !p.partial && p.statuses.every((s) => s === 'open'))).toBe(true);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual(want);
      expect(got.refused).toEqual({
        walkError: true, switchboardError: true, error: true, name: 'SwitchboardWalkError',
        status: 400, code: 'INVALID_REQUEST', attempts: 1, pages: 0, cursor: null, requestId: 'package-test', invalid: ['limit', 'orderBy'],
      });
    });
  }

  it('its types compile on their own (no @types, no skipLibCheck) for import and for require, and reject a wrong call', async () => {
    const use = (head: string) => `${head}
const sb: SwitchboardClient = createClient({ baseUrl: 'http://127.0.0.1:8080', apiKey: 'k' });
export async function titles(): Promise<(string | null)[]> {
  const out: (string | null)[] = [];
  for await (const page of sb.walkConversations({ vendor: ['a', 'b'], orderBy: 'createdAt', createdAfter: new Date(), include: ['messages'] }, { retries: 2 })) {
    const list: ConversationList = page;
    for (const c of list.data) out.push(c.title, c.lastMessage?.text ?? null, c.messages?.[0]?.author ?? null);
  }
  return out;
}
export function describe(e: unknown): string {
  if (e instanceof SwitchboardWalkError) return \`\${e.code ?? ''} \${e.attempts} \${e.cursor ?? ''}\`;
  if (e instanceof SwitchboardError) return \`\${e.status} \${(e.problem?.invalidParams ?? []).map((p) => p.name).join()}\`;
  return '';
}
const code: ErrorCode = 'INVALID_REQUEST';
void code;
// @ts-expect-error: not an order field
void sb.listConversations({ orderBy: 'title' });
`;
    await writeFile(join(app, 'use.mts'), use("import { createClient, SwitchboardError, SwitchboardWalkError, type ConversationList, type ErrorCode, type SwitchboardClient } from '@switchboard/client';"));
    await writeFile(join(app, 'use.cts'), use("import { createClient, SwitchboardError, SwitchboardWalkError, type ConversationList, type ErrorCode, type SwitchboardClient } from '@switchboard/client';"));
    await writeFile(
      join(app, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2022', 'dom'], types: [], strict: true, noEmit: true, skipLibCheck: false }, files: ['use.mts', 'use.cts'] }),
    );
    const tsc = join(ROOT, 'node_modules/.bin/tsc');
    const { stdout } = await run(tsc, ['-p', 'tsconfig.json', '--listFiles'], { cwd: app }).catch((e: { stdout: string }) => expect.fail(e.stdout));
    const shipped = stdout.split('\n').filter((l) => l.includes('/node_modules/@switchboard/client/'));
    // The ESM declarations for use.mts, the CommonJS ones for use.cts.
    expect(shipped.some((l) => l.endsWith('/dist/esm/index.d.ts'))).toBe(true);
    expect(shipped.some((l) => l.endsWith('/dist/cjs/index.d.ts'))).toBe(true);
  });
});
