/**
 * The production image, without a Docker engine: the Dockerfile is read and its runtime stage done by hand
 * in a temp folder — the build's output, the files it copies, `npm ci --omit=dev`, its ENV, a non-root
 * user where we can switch to one, its CMD — then the gateway must serve, pass the HEALTHCHECK and stop
 * on the STOPSIGNAL with exit 0. This proves the production dependencies suffice (nothing the image runs
 * imports a devDependency) and that the image needs nothing the Dockerfile doesn't put there.
 */
import { execFile, spawn } from 'node:child_process';
import { builtinModules } from 'node:module';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/harness.js';
import { listening } from '../helpers/listening.js';

const run = promisify(execFile);

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** Stages and their instructions (continuation lines joined, comments and parser directives dropped). */
function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const line of text.replace(/\\\n/g, ' ').split('\n')) {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) continue;
    const [, op = '', args = ''] = /^(\S+)\s*(.*)$/.exec(t) ?? [];
    const instruction = { op: op.toUpperCase(), args };
    if (instruction.op === 'FROM') {
      const [, from = '', name] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args) ?? [];
      stages.push({ from, name, instructions: [] });
    } else stages.at(-1)?.instructions.push(instruction);
  }
  return stages;
}

const all = (s: Stage, op: string) => s.instructions.filter((i) => i.op === op);
const last = (s: Stage, op: string) => all(s, op).at(-1);

const dockerfile = parseDockerfile(await readFile(join(ROOT, 'Dockerfile'), 'utf8'));
const runtime = dockerfile.at(-1)!;
const workdir = last(runtime, 'WORKDIR')?.args ?? '/';

const temps: string[] = [];
afterAll(async () => {
  await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
});

describe('Dockerfile', () => {
  it('builds in one stage and runs in another: non-root, a HEALTHCHECK, SIGTERM, node dist/src/server.js', async () => {
    expect(dockerfile.length).toBeGreaterThanOrEqual(2);
    const build = dockerfile.find((s) => s.name !== undefined && all(runtime, 'COPY').some((c) => c.args.includes(`--from=${s.name}`)));
    expect(build, 'the runtime stage copies from a build stage').toBeDefined();
    expect(all(build!, 'RUN').some((r) => /\bnpm run build\b/.test(r.args))).toBe(true);
    // The build stage gets every folder the build compiles.
    const include = (JSON.parse(await readFile(join(ROOT, 'tsconfig.build.json'), 'utf8')) as { include: string[] }).include;
    const copied = all(build!, 'COPY').flatMap((c) => c.args.split(/\s+/).slice(0, -1));
    for (const dir of [...include, 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json']) expect(copied, dir).toContain(dir);

    const user = last(runtime, 'USER')?.args;
    expect(user, 'USER').toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    expect(last(runtime, 'HEALTHCHECK')?.args).toMatch(/\bCMD\s+\S/);
    expect(last(runtime, 'STOPSIGNAL')?.args).toBe('SIGTERM');
    expect(JSON.parse(last(runtime, 'CMD')!.args)).toEqual(['node', 'dist/src/server.js']);
    expect(all(runtime, 'RUN').some((r) => /\bnpm ci\b.*--omit=dev\b/.test(r.args))).toBe(true);
  });

  it('.dockerignore keeps node_modules, tests and .git out of the build context', async () => {
    const ignored = (await readFile(join(ROOT, '.dockerignore'), 'utf8')).split('\n').map((l) => l.trim().replace(/^\/|\/$/g, ''));
    for (const entry of ['node_modules', 'test', '.git']) expect(ignored, entry).toContain(entry);
  });

  it(
    'its runtime stage, done by hand, serves /healthz and /conversations with production dependencies only, and exits 0 on SIGTERM',
    async () => {
      const tmp = await mkdtemp(join(tmpdir(), 'sb-image-'));
      temps.push(tmp);
      const app = join(tmp, 'app'); // the image's WORKDIR
      const built = join(tmp, 'build-dist'); // the build stage's /app/dist
      await mkdir(app);
      const started = performance.now();
      const timings: string[] = [];
      const lap = (what: string) => timings.push(`${what} ${Math.round(performance.now() - started)} ms`);

      // The build stage: npm run build, into a folder of our own (the repo's dist/ is left alone).
      await run('npm', ['run', 'build', '--silent', '--', '--outDir', built], { cwd: ROOT, maxBuffer: 16 << 20 });
      lap('build');

      // COPY, as the runtime stage says: from the build stage or from the build context (the repo).
      const inImage = (p: string) => join(app, p.startsWith('/') ? p.slice(workdir.length) : p);
      for (const c of all(runtime, 'COPY')) {
        const parts = c.args.split(/\s+/);
        const from = parts.find((p) => p.startsWith('--from='))?.slice('--from='.length);
        const [dest, ...sources] = parts.filter((p) => !p.startsWith('--')).reverse();
        for (const src of sources.reverse()) {
          const source = from ? (src.startsWith(`${workdir}/dist`) ? built + src.slice(`${workdir}/dist`.length) : join(ROOT, src.slice(workdir.length))) : join(ROOT, src);
          const target = dest!.endsWith('/') ? join(inImage(dest!), src.split('/').at(-1)!) : inImage(dest!);
          await cp(source, target, { recursive: true });
        }
      }
      lap('copy');

      // RUN npm ci --omit=dev (scripts off: the runtime needs none; the cache is not ours to clean).
      await run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: app, maxBuffer: 16 << 20 });
      lap('npm ci --omit=dev');

      // Nothing the image runs may import a package that production dependencies don't provide.
      const pkg = JSON.parse(await readFile(join(app, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
      const unresolved: string[] = [];
      const seen = new Set<string>();
      for (const file of (await readdir(join(app, 'dist'), { recursive: true })).filter((f) => f.endsWith('.js'))) {
        const text = await readFile(join(app, 'dist', file), 'utf8');
        for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"\n]*?from\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) {
          const spec = m[1] ?? m[2]!;
          if (spec.startsWith('.') || spec.startsWith('node:') || builtinModules.includes(spec)) continue;
          const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
          seen.add(name);
          if (!Object.hasOwn(pkg.dependencies, name)) unresolved.push(`${file}: ${spec}`);
        }
      }
      expect(unresolved, 'imports of packages that are not production dependencies').toEqual([]);
      expect([...seen]).toEqual(expect.arrayContaining(['hono', 'undici', 'zod', 'yaml', 'pino']));

      // The ENV of the image, but a free port, loopback, and /app where the image would have it.
      const env: Record<string, string> = { PATH: process.env.PATH ?? '' };
      for (const e of all(runtime, 'ENV')) {
        for (const kv of e.args.split(/\s+/)) {
          const [k, ...v] = kv.split('=');
          env[k!] = v.join('=').replace(/^"(.*)"$/, '$1');
        }
      }
      Object.assign(env, { HOST: '127.0.0.1', PORT: '0', CONFIG_DIR: inImage(env.CONFIG_DIR ?? 'config') });
      // USER: as root here, drop to an unprivileged user, so the app can't rely on writing where it runs.
      const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
      if (asUser.uid !== undefined) await chmod(tmp, 0o755);

      // The image's own CLI works there too (dist/src/cli/main.js; bin/ is not in the image).
      const check = await run(process.execPath, ['dist/src/cli/main.js', 'config', 'check'], { cwd: app, env, ...asUser });
      expect(check.stdout.trim()).toBe('ok: 3 vendors (siteassist, superagentes, uncodie)');

      const [cmd, ...args] = JSON.parse(last(runtime, 'CMD')!.args) as string[];
      expect(cmd).toBe('node');
      const child = spawn(process.execPath, args, { cwd: app, env, ...asUser });
      const { port: listeningOn, exited, output } = listening(child);
      try {
        const port = await listeningOn;
        lap('listening');
        expect((await request(`http://127.0.0.1:${port}/healthz`)).statusCode).toBe(200);

        // The HEALTHCHECK's own command, as Docker would run it (shell form) inside the container.
        const probe = /\bCMD\s+(.*)$/.exec(last(runtime, 'HEALTHCHECK')!.args)![1]!;
        await expect(run('/bin/sh', ['-c', probe], { cwd: app, env: { ...env, PORT: String(port) }, timeout: 10_000, ...asUser })).resolves.toBeDefined();

        const res = await request(`http://127.0.0.1:${port}/conversations?limit=3`);
        const body = (await res.body.json()) as { data: unknown[]; sources: { status: string }[] };
        expect(res.statusCode, JSON.stringify(body)).toBe(200);
        expect(body.data).toHaveLength(3);
        expect(body.sources.map((s) => s.status)).toEqual(['ok', 'ok', 'ok']);
      } finally {
        child.kill(last(runtime, 'STOPSIGNAL')!.args as NodeJS.Signals);
      }
      expect(await exited, output()).toBe(0);
      lap('stopped');
      console.info(`image runtime stage by hand: ${timings.join(', ')}`);
    },
    180_000,
  );
});
