/**
 * The production image, without a Docker engine: the Dockerfile is read and its runtime stage done by hand
 * in a temp folder — the build's output, the files it copies (node_modules as the build stage leaves it
 * after `npm prune --omit=dev`: production dependencies, with the native addon it compiled), the RUN that
 * makes the data folder, its ENV, a non-root user where we can switch to one, its CMD — then the gateway
 * must serve, pass the HEALTHCHECK, keep its SQLite mirror in DATA_DIR, and stop on the STOPSIGNAL with
 * exit 0. The image is production (NODE_ENV=production: never an embedded simulator), so its vendors are
 * simulators run here, given to it as real vendors are: base URLs and credentials in the environment. This proves the production dependencies suffice (nothing the image runs imports a devDependency)
 * and that the image needs nothing the Dockerfile doesn't put there (nor writes anywhere but DATA_DIR).
 */
import { execFile, spawn } from 'node:child_process';
import { builtinModules } from 'node:module';
import { existsSync } from 'node:fs';
import { chmod, chown, cp, mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { simulators } from '../../sim/index.js';
import { credentialsOf, startSimulator, type Simulator } from '../../sim/kit.js';
import { loadConfig } from '../../src/config/load.js';
import { DEMO_CREDENTIALS } from '../helpers/demo-credentials.js';
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
/** The stage the runtime stage copies from (`COPY --from=<name>`). */
const build = dockerfile.find((s) => s.name !== undefined && all(runtime, 'COPY').some((c) => c.args.includes(`--from=${s.name}`)));
/** The index of the first RUN of a stage that matches. */
const runIndex = (s: Stage, re: RegExp) => s.instructions.findIndex((i) => i.op === 'RUN' && re.test(i.args));
/**
 * The ENV of a stage, in order (`ENV k=v k2="v 2"`), with `${ARG}` and `$ARG` replaced as `docker build` does:
 * by the `--build-arg` given, else the `ARG`'s default (empty without one).
 */
function stageEnv(s: Stage, buildArgs: Record<string, string> = {}): Record<string, string> {
  const args: Record<string, string> = {};
  for (const a of all(s, 'ARG')) {
    const [, k = '', v = ''] = /^(\w+)(?:=(.*))?$/.exec(a.args.trim()) ?? [];
    args[k] = buildArgs[k] ?? v.replace(/^"(.*)"$/, '$1');
  }
  const env: Record<string, string> = {};
  for (const e of all(s, 'ENV')) {
    for (const [, k = '', v = ''] of e.args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) env[k] = v.replace(/^"(.*)"$/, '$1').replace(/\$\{(\w+)\}|\$(\w+)/g, (_m, a?: string, b?: string) => args[(a ?? b)!] ?? '');
  }
  return env;
}
/** VOLUME ["/a", "/b"] or VOLUME /a /b. */
const volumes = (s: Stage) => all(s, 'VOLUME').flatMap((v) => (v.args.trim().startsWith('[') ? (JSON.parse(v.args) as string[]) : v.args.split(/\s+/)));

const temps: string[] = [];
const vendorSims: Simulator[] = [];
// Removing the image's folder (a production node_modules, thousands of files) took over 30 s once, in a
// full run on a loaded 2-CPU machine: the hook gets the time the test itself may take.
afterAll(async () => {
  await Promise.all(vendorSims.map((s) => s.close()));
  await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
}, 180_000);

describe('Dockerfile', () => {
  it('builds in one stage and runs in another: non-root, a HEALTHCHECK, SIGTERM, node dist/src/server.js', async () => {
    expect(dockerfile.length).toBeGreaterThanOrEqual(2);
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
    // The gateway alone binds loopback; a container must listen on its own interface, and is production.
    expect(stageEnv(runtime)).toMatchObject({ HOST: '0.0.0.0', NODE_ENV: 'production' });
  });

  it('compiles the native addon once, in the build stage, and prunes dev dependencies there; the runtime stage copies node_modules', () => {
    // better-sqlite3 compiles with node-gyp when no prebuilt binary can be downloaded: python3, make, g++.
    const tools = runIndex(build!, /\bapt-get install\b(?=.*\bpython3\b)(?=.*\bmake\b)(?=.*\bg\+\+)/);
    const install = runIndex(build!, /\bnpm ci\b/);
    const compile = runIndex(build!, /\bnpm run build\b/);
    const prune = runIndex(build!, /\bnpm prune\b.*--omit=dev\b/);
    expect(tools, 'the build stage installs python3, make and g++').toBeGreaterThanOrEqual(0);
    expect(install, 'npm ci in the build stage').toBeGreaterThan(tools);
    // With dev dependencies (the build needs them) and install scripts (the addon's compile is one).
    expect(build!.instructions[install]!.args).not.toMatch(/--omit=dev|--ignore-scripts/);
    // Pruned after the build (tsc is a dev dependency), so what the runtime stage copies is production only.
    expect(prune, 'npm prune --omit=dev after npm run build').toBeGreaterThan(compile);
    expect(compile).toBeGreaterThan(install);

    const copies = all(runtime, 'COPY').map((c) => c.args.split(/\s+/));
    expect(copies).toContainEqual([`--from=${build!.name}`, `${workdir}/node_modules`, './node_modules']);
    // Nothing installs or compiles again in the runtime stage: no compiler there, no network needed.
    for (const r of all(runtime, 'RUN')) expect(r.args).not.toMatch(/\bnpm (ci|install|i|rebuild)\b|node-gyp|prebuild-install/);
  });

  it("USER is numeric (uid:gid, not root), so Kubernetes' runAsNonRoot can verify it: `USER node` made the kubelet refuse the container", () => {
    const user = last(runtime, 'USER')!.args;
    expect(user).toMatch(/^\d+:\d+$/);
    const [uid, gid] = user.split(':').map(Number);
    expect(uid).toBeGreaterThan(0);
    expect(gid).toBeGreaterThan(0);
    // The official node images' `node` user and group: the one that owns nothing but what the Dockerfile gives it.
    expect(runtime.from).toMatch(/^node:/);
    expect([uid, gid]).toEqual([1000, 1000]);
  });

  it('gives the unprivileged user a data folder: DATA_DIR, made and owned by USER in a RUN, and a VOLUME', () => {
    const dataDir = stageEnv(runtime).DATA_DIR;
    expect(dataDir, 'ENV DATA_DIR').toBeDefined();
    expect(dataDir!.startsWith('/'), 'DATA_DIR is absolute').toBe(true);
    expect(volumes(runtime)).toContain(dataDir);
    const user = last(runtime, 'USER')!.args.split(':')[0];
    const made = all(runtime, 'RUN').find((r) => new RegExp(`\\bmkdir\\b[^&;]*\\s${dataDir}(\\s|$)`).test(r.args));
    expect(made, `a RUN makes ${dataDir}`).toBeDefined();
    expect(made!.args).toMatch(new RegExp(`\\bchown\\s+(-\\S+\\s+)*${user}(:\\S*)?\\s+${dataDir}(\\s|$)`));
    // The RUN comes before USER (it needs root) and before VOLUME (later changes to a volume's path are discarded).
    const at = runtime.instructions.indexOf(made!);
    expect(at).toBeLessThan(runtime.instructions.findIndex((i) => i.op === 'USER'));
    expect(at).toBeLessThan(runtime.instructions.findIndex((i) => i.op === 'VOLUME'));
  });

  it('.dockerignore keeps node_modules, tests, .git and a local data folder out of the build context', async () => {
    const ignored = (await readFile(join(ROOT, '.dockerignore'), 'utf8')).split('\n').map((l) => l.trim().replace(/^\/|\/$/g, ''));
    for (const entry of ['node_modules', 'test', '.git', 'data']) expect(ignored, entry).toContain(entry);
  });

  it(
    'its runtime stage, done by hand, serves /healthz, /readyz and /conversations with production dependencies only, keeps its mirror in DATA_DIR, and exits 0 on SIGTERM',
    async () => {
      const tmp = await mkdtemp(join(tmpdir(), 'sb-image-'));
      temps.push(tmp);
      const app = join(tmp, 'app'); // the image's WORKDIR
      const built = join(tmp, 'build-dist'); // the build stage's /app/dist
      await mkdir(app);
      const started = performance.now();
      const timings: string[] = [];
      const lap = (what: string) => timings.push(`${what} ${Math.round(performance.now() - started)} ms`);

      // USER: as root here, drop to an unprivileged user, so the app can't rely on writing where it runs
      // (everything but what the Dockerfile gives USER stays root's). Not root: we are that user already.
      const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
      if (asUser.uid !== undefined) await chmod(tmp, 0o755);
      const owner = { uid: asUser.uid ?? process.getuid!(), gid: asUser.gid ?? process.getgid!() };
      const user = last(runtime, 'USER')!.args.split(':')[0];

      // The build stage: npm run build, into a folder of our own (the repo's dist/ is left alone).
      await run('npm', ['run', 'build', '--silent', '--', '--outDir', built], { cwd: ROOT, maxBuffer: 16 << 20 });
      lap('build');

      /** A path of the image (absolute under WORKDIR, or relative to it) in the temp folder. */
      const inImage = (p: string) => {
        if (!p.startsWith('/')) return join(app, p);
        if (p !== workdir && !p.startsWith(`${workdir}/`)) throw new Error(`${p} is outside WORKDIR ${workdir}: the test maps only WORKDIR`);
        return join(app, p.slice(workdir.length));
      };

      /** Puts at `target` what the build stage leaves at `src` when it is done. */
      const fromBuildStage = async (src: string, target: string) => {
        if (src === `${workdir}/dist`) return cp(built, target, { recursive: true });
        if (src === `${workdir}/node_modules`) {
          // After its `npm ci` and `npm prune --omit=dev`: the production dependencies, with the native addons
          // its `npm ci` compiled. So: npm ci --omit=dev in the image's folder (package.json and the lockfile
          // were copied there first), scripts off (no compiling here), then the repo's compiled build/ folders.
          expect(target).toBe(join(app, 'node_modules'));
          await run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: app, maxBuffer: 16 << 20 });
          lap('npm ci --omit=dev');
          const lock = JSON.parse(await readFile(join(app, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; hasInstallScript?: boolean }> };
          const addons = Object.entries(lock.packages)
            .filter(([path, p]) => path !== '' && !p.dev && p.hasInstallScript && existsSync(join(app, path, 'binding.gyp')))
            .map(([path]) => path);
          expect(addons, 'native addons among the production dependencies').toContain('node_modules/better-sqlite3');
          for (const path of addons) {
            const compiled = join(ROOT, path, 'build');
            if (!existsSync(join(compiled, 'Release'))) throw new Error(`${compiled}/Release is missing: run npm ci in the repo (it compiles ${path})`);
            await cp(compiled, join(app, path, 'build'), { recursive: true });
          }
          return;
        }
        throw new Error(`COPY --from=${build!.name} ${src}: the test doesn't know what the build stage leaves there`);
      };

      /** RUN, as root before USER: each `&&`-joined command emulated (chown to USER, which here is `owner`). */
      const runCommand = async (command: string) => {
        const [name, ...rest] = command.trim().split(/\s+/);
        const flags = rest.filter((a) => a.startsWith('-'));
        const [first = '', ...others] = rest.filter((a) => !a.startsWith('-'));
        if (name === 'mkdir' && flags.every((f) => f === '-p')) {
          for (const p of [first, ...others]) await mkdir(inImage(p), { recursive: flags.includes('-p') });
        } else if (name === 'chown' && flags.length === 0) {
          expect(first.split(':')[0], `${command}: chown to USER`).toBe(user);
          for (const p of others) await chown(inImage(p), owner.uid, owner.gid);
        } else if (name === 'chmod' && flags.length === 0 && /^[0-7]{3,4}$/.test(first)) {
          for (const p of others) await chmod(inImage(p), parseInt(first, 8));
        } else throw new Error(`RUN ${command}: the test can't emulate it (teach it, or keep the runtime stage's RUNs to mkdir, chown, chmod)`);
      };

      // The runtime stage's COPY and RUN, in order: COPY from the build stage or from the build context (the repo).
      for (const i of runtime.instructions) {
        if (i.op === 'RUN') {
          for (const command of i.args.split('&&')) await runCommand(command);
          continue;
        }
        if (i.op !== 'COPY') continue;
        const parts = i.args.split(/\s+/);
        const from = parts.find((p) => p.startsWith('--from='))?.slice('--from='.length);
        if (from !== undefined) expect(from).toBe(build!.name);
        const [dest, ...sources] = parts.filter((p) => !p.startsWith('--')).reverse();
        for (const src of sources.reverse()) {
          const target = dest!.endsWith('/') ? join(inImage(dest!), src.split('/').at(-1)!) : inImage(dest!);
          if (from !== undefined) await fromBuildStage(src, target);
          else await cp(join(ROOT, src), target, { recursive: true });
        }
      }
      lap('copy and run');
      // Pruned: no package that only devDependencies need (typescript stays: an optional peer of a production one).
      const lock = JSON.parse(await readFile(join(app, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
      const devOnly = Object.keys(lock.packages).filter((path) => lock.packages[path]!.dev === true);
      expect(devOnly.length).toBeGreaterThan(0);
      expect(devOnly.filter((path) => existsSync(join(app, path))), 'dev dependencies left in node_modules').toEqual([]);
      expect(existsSync(join(app, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node')), 'the compiled addon').toBe(true);

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
      expect([...seen]).toEqual(expect.arrayContaining(['hono', 'undici', 'zod', 'yaml', 'pino', 'better-sqlite3', 'pg', 'kysely']));

      // The vendors, as a deployment gives them: base URLs and credentials (simulators here, to the image real).
      const vendorEnv: Record<string, string> = { ...DEMO_CREDENTIALS };
      for (const v of (await loadConfig(join(ROOT, 'config'), {})).vendors) {
        const mod = simulators[v.simulator!]!;
        const sim = await startSimulator(mod.behaviour(credentialsOf(v)), { data: mod.demoData(3, 60) });
        vendorSims.push(sim);
        vendorEnv[`${v.name.toUpperCase()}_BASE_URL`] = sim.url;
      }
      // The ENV of the image, but a free port, loopback, and /app where the image would have it.
      const env: Record<string, string> = { PATH: process.env.PATH ?? '', ...stageEnv(runtime, { BUILD_COMMIT: 'c0ffee1' }), ...vendorEnv };
      expect(env.BUILD_COMMIT, 'ARG BUILD_COMMIT reaches the image as ENV').toBe('c0ffee1');
      expect(stageEnv(runtime).BUILD_COMMIT, 'built without --build-arg: empty').toBe('');
      const dataPath = inImage(env.DATA_DIR ?? 'data');
      Object.assign(env, { HOST: '127.0.0.1', PORT: '0', CONFIG_DIR: inImage(env.CONFIG_DIR ?? 'config'), DATA_DIR: dataPath });
      // The image sets neither MIRRORS nor MIRROR_STORE: mirrors on, in a SQLite file in DATA_DIR.
      expect([env.MIRRORS, env.MIRROR_STORE]).toEqual([undefined, undefined]);
      const dataDir = await stat(dataPath);
      expect([dataDir.isDirectory(), dataDir.uid, dataDir.mode & 0o077], 'DATA_DIR: a folder, USER\'s, the owner\'s only').toEqual([true, owner.uid, 0]);
      const { vendors } = await loadConfig(env.CONFIG_DIR!, env);
      const mirrored = vendors.filter((v) => v.mirror?.enabled).map((v) => v.name).sort();
      expect(mirrored.length, 'config/ mirrors some vendor').toBeGreaterThan(0);

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

        // The build's commit, as the image was built with it.
        const metrics = await (await request(`http://127.0.0.1:${port}/metrics`)).body.text();
        expect(metrics).toMatch(/^switchboard_build_info\{[^}]*commit="c0ffee1"[^}]*\} 1$/m);

        // Ready, naming each mirrored vendor's mirror: warming until its first full read, then ready.
        const ready = await request(`http://127.0.0.1:${port}/readyz`);
        const readiness = (await ready.body.json()) as { status: string; mirrors?: Record<string, string> };
        expect(ready.statusCode, JSON.stringify(readiness)).toBe(200);
        expect(Object.keys(readiness.mirrors ?? {}).sort(), JSON.stringify(readiness)).toEqual(mirrored);
        for (const [vendor, state] of Object.entries(readiness.mirrors!)) expect(['warming', 'ready'], vendor).toContain(state);

        // The mirror is DATA_DIR/mirror.sqlite (with its -wal and -shm), USER's and the owner's only.
        const files = await readdir(dataPath);
        expect(files, 'DATA_DIR').toContain('mirror.sqlite');
        for (const f of files) {
          const s = await stat(join(dataPath, f));
          expect([s.uid, (s.mode & 0o777).toString(8)], f).toEqual([owner.uid, '600']);
        }
      } finally {
        child.kill(last(runtime, 'STOPSIGNAL')!.args as NodeJS.Signals);
      }
      expect(await exited, output()).toBe(0);
      lap('stopped');
      console.info(`image runtime stage by hand: ${timings.join(', ')}`);
    },
    // A tsc build and an `npm ci --omit=dev`: 71 s in a full run on a loaded 2-CPU machine, over 90 s in the next.
    180_000,
  );
});
