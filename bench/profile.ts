/**
 * A CPU profile of the gateway serving the first page under load. The gateway is compiled with tsc (as
 * `npm start` runs it, with source maps) into node_modules/.cache, started with --cpu-prof, loaded like the
 * first-page scenario and stopped (V8 writes the profile on exit). Only samples taken while the load ran
 * count; self time is summed per function and mapped back to src/*.ts lines.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { SourceMap } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { measure, round, type LoadOptions } from './measure.js';
import { ROOT, startGateway } from './systems.js';
import type { VendorSet } from './vendors.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface CpuProfile {
  nodes: { id: number; callFrame: CallFrame }[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileEntry {
  fn: string;
  where: string;
  selfMs: number;
  pct: number;
}

export interface ProfileSummary {
  /** Sampled time while the load ran. */
  totalMs: number;
  /** Share of that time by where it was spent: our src/, each package, node internals, GC, idle. */
  byArea: { area: string; pct: number }[];
  top: ProfileEntry[];
  topOurs: ProfileEntry[];
}

// node_modules is shared by every worktree of the repository (a symlink), so each checkout builds into its own
// directory, named for its path; frames are recognised by the real path V8 reports.
const BUILD = join(ROOT, 'node_modules/.cache/switchboard-bench', createHash('sha1').update(ROOT).digest('hex').slice(0, 8));
mkdirSync(BUILD, { recursive: true });
const BUILD_REAL = realpathSync(BUILD);

export interface ProfileOptions {
  /** Also copy the raw .cpuprofile there (for Chrome DevTools or a closer look). */
  keep?: string;
  /** Over the gateway's environment (e.g. mirrors on, with a DATA_DIR). */
  env?: Record<string, string>;
  /** Awaited once the gateway is up, before the load (e.g. until its mirrors serve). */
  ready?: (url: string) => Promise<unknown>;
}

export async function profileFirstPage(v: VendorSet, path: string, load: LoadOptions, opts: ProfileOptions = {}): Promise<ProfileSummary> {
  const { keep } = opts;
  await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', BUILD], { cwd: ROOT });
  const dir = await mkdtemp(join(tmpdir(), 'switchboard-prof-'));
  try {
    const gw = await startGateway({ vendorEnv: v.env, cacheTtlMs: 0, cpuProfDir: dir, script: join(BUILD, 'src/server.js'), ...(opts.env ? { env: opts.env } : {}) });
    let window: [number, number];
    try {
      await opts.ready?.(gw.url);
      window = (await measure(gw, path, v, load)).windowUs;
    } finally {
      await gw.stop();
    }
    const file = (await readdir(dir)).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error('the gateway wrote no CPU profile');
    if (keep) await copyFile(join(dir, file), keep);
    return summarise(JSON.parse(await readFile(join(dir, file), 'utf8')) as CpuProfile, window);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function areaOf(f: CallFrame): string {
  if (f.functionName === '(garbage collector)') return 'GC';
  if (f.functionName === '(idle)' || f.functionName === '(program)') return f.functionName.slice(1, -1);
  if (f.url.includes(`${BUILD_REAL}/src/`)) return 'src (ours)';
  if (f.url.includes(`${BUILD_REAL}/sim/`)) return 'sim';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f.url);
  if (pkg) return pkg[1]!;
  return f.url.startsWith('node:') || f.url === '' ? 'node internals' : 'other';
}

/** `src/x.ts:line` for a frame of the tsc build, through its source map. */
function locator(): (f: CallFrame) => string {
  const maps = new Map<string, SourceMap | null>();
  return (f) => {
    if (!f.url.includes(`${BUILD_REAL}/`)) return `${f.url.replace(/^file:\/\/.*node_modules\//, '')}:${f.lineNumber + 1}`;
    const js = fileURLToPath(f.url);
    if (!maps.has(js)) maps.set(js, existsSync(`${js}.map`) ? new SourceMap(JSON.parse(readFileSync(`${js}.map`, 'utf8'))) : null);
    const entry = maps.get(js)?.findEntry(f.lineNumber, f.columnNumber);
    const rel = relative(BUILD_REAL, js).replace(/\.js$/, '.ts');
    return entry && 'originalLine' in entry ? `${rel}:${entry.originalLine + 1}` : rel;
  };
}

export function summarise(p: CpuProfile, [fromUs, toUs]: [number, number]): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n.callFrame]));
  const where = locator();
  const self = new Map<string, { fn: string; where: string; ours: boolean; us: number }>();
  const areas = new Map<string, number>();
  let total = 0;
  let t = p.startTime;
  p.samples.forEach((id, i) => {
    const us = p.timeDeltas[i] ?? 0;
    t += us;
    const f = byId.get(id);
    if (!f || t < fromUs || t > toUs) return;
    total += us;
    const loc = where(f);
    const key = `${f.functionName} ${loc}`;
    const area = areaOf(f);
    const e = self.get(key) ?? { fn: f.functionName || '(anonymous)', where: loc, ours: area === 'src (ours)', us: 0 };
    e.us += us;
    self.set(key, e);
    areas.set(area, (areas.get(area) ?? 0) + us);
  });
  const entry = (e: { fn: string; where: string; us: number }): ProfileEntry => ({ fn: e.fn, where: e.where, selfMs: round(e.us / 1000, 1), pct: round((100 * e.us) / total, 1) });
  const sorted = [...self.values()].sort((a, b) => b.us - a.us);
  return {
    totalMs: round(total / 1000, 0),
    byArea: [...areas].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([area, us]) => ({ area, pct: round((100 * us) / total, 1) })),
    top: sorted.slice(0, 15).map(entry),
    topOurs: sorted.filter((e) => e.ours).slice(0, 15).map(entry),
  };
}
