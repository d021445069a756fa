/**
 * `switchboard mirror status | sync <vendor> [--full] | drop <vendor>|--all`: the mirror store as an
 * operator sees it, a one-off pass (e.g. a backfill before the first start), and wiping a vendor's copy.
 * Works on the store the gateway uses (MIRROR_STORE, DATA_DIR), beside running gateways: a pass takes the
 * vendor's sync lease, so it runs only where no gateway is syncing that vendor.
 */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { compileVendors } from '../config/compile.js';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import type { CompiledVendor } from '../dialect/vendor.js';
import { describeStore, openMirrorDb } from '../mirror/store/connect.js';
import { MirrorStore, type PassReport } from '../mirror/store/mirror-store.js';
import { frequentPass, fullRead, SyncFailure } from '../mirror/sync.js';
import type { MirroredVendor } from '../mirror/worker.js';
import { human } from '../mirror/strategy.js';
import { systemClock } from '../state/clock.js';
import { redisStore } from '../state/redis-store.js';
import { memoryStore, type StateStore } from '../state/store.js';
import { createUpstream } from '../upstream/index.js';
import { printConfigError } from './check.js';
import { parseCommand, UsageError, type CliContext, type ExitCode } from './context.js';

export const MIRROR_HELP = `Usage: switchboard mirror <status|sync|drop> [options]

  status [--json]          every mirror in the store: vendor, state, conversations, how fresh, last pass,
                           which process holds its sync lease
  sync <vendor> [--full]   run one pass now: the frequent one (incremental or head), or with --full (or
                           while the mirror is warming) a full read, e.g. a backfill before the first
                           start. It takes the vendor's sync lease: while a gateway syncs that vendor, stop
                           it or wait. The vendor's outbound budget applies (shared through STATE_STORE).
  drop <vendor> | --all    delete a vendor's mirrors (every copy: old credentials and mappings too), or
                           every mirror. A running gateway that mirrors the vendor starts warming again:
                           set mirror.enabled: false and reload it first to stop mirroring.

The store is MIRROR_STORE (sqlite: a file in DATA_DIR; or a postgres:// URL), as for the gateway.

Options:
  --config <dir>  config folder (default: CONFIG_DIR or ./config)
  --json          status as JSON
  -h, --help      this help

Exit: 0 done; 1 the store, the config or the vendor failed; 2 wrong command line.`;

export async function mirrorCommand(args: readonly string[], ctx: CliContext): Promise<ExitCode> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') return (ctx.out(MIRROR_HELP), sub === undefined ? 2 : 0);
  const { values, positionals } = parseCommand(rest, { config: { type: 'string' }, json: { type: 'boolean' }, full: { type: 'boolean' }, all: { type: 'boolean' } }, 1);
  if (values.help) return (ctx.out(MIRROR_HELP), 0);
  const dir = values.config ?? ctx.vars.CONFIG_DIR;
  if (sub !== 'status' && sub !== 'sync' && sub !== 'drop') throw new UsageError(`unknown mirror command: ${sub} (known: status, sync, drop)`);
  if (sub === 'drop' && (positionals[0] === undefined) === !values.all) throw new UsageError('name the vendor whose mirrors to drop, or --all');
  if (sub === 'sync' && positionals[0] === undefined) throw new UsageError('name the vendor to sync, e.g. switchboard mirror sync acme');

  // Looking at (or wiping) a store that isn't there must not make one.
  const where = describeStore(ctx.vars.MIRROR_STORE, ctx.vars.DATA_DIR);
  if (sub !== 'sync' && where.startsWith('/') && !existsSync(where)) {
    ctx.out(`no mirror store at ${where}`);
    return 0;
  }
  let store: MirrorStore;
  try {
    store = new MirrorStore(await openMirrorDb(ctx.vars.MIRROR_STORE, ctx.vars.DATA_DIR));
  } catch (e) {
    ctx.err(`mirror store: ${(e as Error).message}`);
    return 1;
  }
  try {
    if (sub === 'status') return await status(store, values.json === true, ctx);
    if (sub === 'drop') return await drop(store, values.all ? null : positionals[0]!, ctx);
    let config: LoadedConfig;
    try {
      config = await loadConfig(dir, ctx.env);
    } catch (e) {
      return printConfigError(e, dir, ctx);
    }
    return await sync(store, config, positionals[0]!, values.full === true, ctx);
  } finally {
    await store.close();
  }
}

async function status(store: MirrorStore, json: boolean, ctx: CliContext): Promise<ExitCode> {
  const now = Date.now();
  const mirrors = await store.list();
  const rows = await Promise.all(
    mirrors.map(async (m) => ({
      ...m,
      lease: await store.leaseHolder(`sync:${m.vendor}`),
    })),
  );
  if (json) {
    ctx.out(JSON.stringify({ store: store.where, mirrors: rows.map((m) => ({ id: m.id, vendor: m.vendor, origin: m.origin, ready: m.ready, rows: m.rows, rev: m.rev, syncedAt: iso(m.syncedAt), lagMs: m.syncedAt === null ? null : now - m.syncedAt, lastFull: m.lastFull, lastPass: m.lastPass, run: m.run, lease: m.lease && { holder: m.lease.holder, expiresAt: iso(m.lease.expiresAt), held: m.lease.expiresAt > now } })) }, null, 2));
    return 0;
  }
  ctx.out(`store: ${store.where}`);
  if (rows.length === 0) ctx.out('no mirrors');
  for (const m of rows) {
    const state = !m.ready ? `warming (${m.rows} so far${m.run ? `, full read ${m.run.done ? 'reconciling' : 'in progress'}` : ''})` : `ready, complete as of ${iso(m.syncedAt)} (${lag(now, m.syncedAt)} ago)`;
    ctx.out(`${m.vendor} #${m.id} ${m.origin}: ${m.rows} conversations, ${state}`);
    for (const [what, r] of [['last full read', m.lastFull], ['last pass', m.lastPass]] as const) if (r) ctx.out(`  ${what}: ${describePass(r)}`);
    ctx.out(`  sync lease: ${m.lease && m.lease.expiresAt > now ? `held by ${m.lease.holder} until ${iso(m.lease.expiresAt)}` : 'free'}`);
  }
  return 0;
}

async function drop(store: MirrorStore, vendor: string | null, ctx: CliContext): Promise<ExitCode> {
  const mirrors = await store.list(vendor ?? undefined);
  if (mirrors.length === 0) {
    ctx.out(vendor ? `no mirror of ${vendor}` : 'no mirrors');
    return 0;
  }
  for (const m of mirrors) {
    const rows = await store.drop(m.id);
    ctx.out(`dropped ${m.vendor} #${m.id} (${m.origin}): ${rows} stored conversation versions deleted`);
  }
  return 0;
}

async function sync(store: MirrorStore, config: LoadedConfig, name: string, full: boolean, ctx: CliContext): Promise<ExitCode> {
  const v = config.vendors.find((x) => x.name === name);
  if (!v) throw new UsageError(`no vendor "${name}" (configured: ${config.vendors.map((x) => x.name).join(', ')})`);
  if (v.baseUrl === '') {
    // An embedded simulator listens on a port of its own each time: a copy of it would belong to no gateway.
    ctx.err(`${name}: baseUrl is empty: set the vendor's URL (its environment variable) to sync its mirror`);
    return 1;
  }
  let vendor: CompiledVendor;
  try {
    // This vendor only: the others may be served by simulators, or not be configured for this host.
    vendor = compileVendors({ gateway: config.gateway, vendors: [v] })[0]!;
  } catch (e) {
    return printConfigError(e, ctx.vars.CONFIG_DIR, ctx);
  }
  if (!vendor.mirror) {
    ctx.err(`${name} has no mirror block in its YAML: it is read live`);
    return 1;
  }
  const mirrored = vendor as MirroredVendor;
  let state: StateStore = memoryStore();
  const redis = ctx.vars.STATE_STORE !== 'memory' ? redisStore({ url: ctx.vars.STATE_STORE, prefix: ctx.vars.STATE_STORE_PREFIX, timeoutMs: ctx.vars.STATE_STORE_TIMEOUT_MS, logger: { info: () => undefined, warn: () => undefined, error: () => undefined } }) : null;
  if (redis) {
    await redis.connect();
    state = redis;
  }
  const upstream = createUpstream({ store: state, clock: systemClock });
  const holder = `cli:${hostname()}:${process.pid}`;
  const lease = `sync:${name}`;
  try {
    const meta = await store.ensure(name, mirrored.mirror.identity, mirrored.mirror.mapping, vendor.origin, Date.now());
    if (!(await store.lease(lease, holder, 60_000, Date.now()))) {
      const h = await store.leaseHolder(lease);
      ctx.err(`${name}: its sync lease is held by ${h?.holder ?? 'another process'} until ${iso(h?.expiresAt ?? null)}: a gateway is syncing it; stop that gateway, or let it sync`);
      return 1;
    }
    // Renewed while the pass runs (a full read paced by a small budget takes minutes).
    const renew = setInterval(() => void store.lease(lease, holder, 60_000, Date.now()), 20_000);
    const kind = full || !meta.ready || !mirrored.mirror.frequent ? 'full' : 'frequent';
    ctx.out(`${name}: ${kind === 'full' ? (meta.run ? 'resuming the full read' : 'full read') : mirrored.mirror.strategy} into ${store.where} (mirror #${meta.id}; ${mirrored.mirror.describe})`);
    const ctxSync = { vendor: mirrored, store, mirror: meta, upstream: upstream.direct, clock: systemClock, signal: new AbortController().signal, fence: () => ({ lease, holder, now: Date.now() }) };
    try {
      const report = kind === 'full' ? await fullRead(ctxSync) : await frequentPass(ctxSync);
      const after = (await store.meta(meta.id))!;
      ctx.out(`${name}: ${describePass(report)}; ${after.rows} conversations, ${after.ready ? `ready, complete as of ${iso(after.syncedAt)}` : 'warming'}`);
      return 0;
    } catch (e) {
      if (!(e instanceof SyncFailure)) throw e;
      ctx.err(`${name}: ${describePass(e.report)}`);
      return 1;
    } finally {
      clearInterval(renew);
      await store.releaseLease(lease, holder);
    }
  } finally {
    await upstream.close();
    await redis?.close();
  }
}

function describePass(r: PassReport): string {
  const figures = `${r.calls} call${r.calls === 1 ? '' : 's'}, ${r.items} items, ${r.changed} changed${r.deleted !== undefined ? `, ${r.deleted} deleted` : ''}, ${human(Math.max(1, Math.round(r.durationMs)))}`;
  return `${r.kind}${r.resumed ? ' (resumed)' : ''} at ${iso(r.startedAt)}: ${r.error ? `failed: ${r.error.code}: ${r.error.message} (${figures})` : figures}`;
}

const iso = (t: number | null) => (t === null ? 'never' : new Date(t).toISOString());

function lag(now: number, t: number | null): string {
  if (t === null) return '?';
  const s = Math.round((now - t) / 1000);
  return s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`;
}
