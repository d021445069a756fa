/**
 * Two gateway processes sharing one PostgreSQL mirror store: exactly one syncs each vendor, both serve the
 * same pages (a walk begun on one continues on the other), and when the syncing one dies the other takes
 * the sync over within one lease period.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedSimulators, startGatewayProcess, type GatewayProcess } from '../helpers/redis.js';
import { reportPostgresSkip, scratchDatabase, testPostgresUrl } from '../helpers/postgres.js';
import { waitFor } from '../helpers/wait.js';

const pgUrl = await testPostgresUrl();
if (!pgUrl) reportPostgresSkip('test/mirror/replicas.test.ts');

const LEASE_MS = 1500;
const MIRRORED = ['superagentes', 'uncodie'];

describe.skipIf(!pgUrl)('mirror replicas on PostgreSQL', () => {
  let db: Awaited<ReturnType<typeof scratchDatabase>>;
  let sims: Awaited<ReturnType<typeof sharedSimulators>>;
  let a: GatewayProcess;
  let b: GatewayProcess;
  const env = () => ({
    ...sims.env,
    MIRROR_STORE: db.url,
    MIRROR_LEASE_MS: String(LEASE_MS),
    CURSOR_SECRET: 'replica-secret-0123456789abcdef',
    UNCODIE_RATE_PER_MINUTE: '6000',
    UNCODIE_RATE_BURST: '100',
    SUPERAGENTES_MIRROR_EVERY: '1s',
    UNCODIE_MIRROR_EVERY: '1s',
    LOG_LEVEL: 'info',
  });
  const mirrorsOf = async (g: GatewayProcess) => {
    const res = await g.get('/vendors');
    return Object.fromEntries((res.body.data as { name: string; mirror: { state: string; syncing: boolean } | null }[]).filter((v) => v.mirror).map((v) => [v.name, v.mirror!]));
  };
  const until = (what: string, ok: () => Promise<boolean>, ms = 15_000) => waitFor(what, ok, ms, 50);

  beforeAll(async () => {
    db = await scratchDatabase(pgUrl!);
    sims = await sharedSimulators(120);
    [a, b] = await Promise.all([startGatewayProcess(env()), startGatewayProcess(env())]);
    await until('both replicas to see ready mirrors', async () => {
      const [ma, mb] = await Promise.all([mirrorsOf(a), mirrorsOf(b)]);
      return MIRRORED.every((v) => ma[v]?.state === 'ready' && mb[v]?.state === 'ready');
    });
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await sims?.close();
    await db?.drop();
  });

  it('exactly one replica syncs each vendor', async () => {
    const [ma, mb] = await Promise.all([mirrorsOf(a), mirrorsOf(b)]);
    for (const v of MIRRORED) expect([ma[v]!.syncing, mb[v]!.syncing].filter(Boolean), v).toHaveLength(1);
    // One full read of each vendor in all: a second replica reading it too would have doubled the calls.
    const fullReads = sims.sims.get('uncodie')!.calls.filter((c) => c.headers['x-request-id'] === 'mirror-sync-uncodie' && c.query.get('offset') === '100');
    expect(fullReads).toHaveLength(1);
  });

  it('both serve the same pages from the shared copy, and a walk begun on one continues on the other', async () => {
    const q = '/conversations?vendor=uncodie,superagentes&orderBy=createdAt&limit=25';
    const [ra, rb] = await Promise.all([a.get(q), b.get(q)]);
    expect(ra.status).toBe(200);
    expect(ra.body.sources.map((s: { mode: string }) => s.mode)).toEqual(['mirror', 'mirror']);
    expect(rb.body.data).toEqual(ra.body.data);
    expect(rb.body.total).toBe(240);
    const ids: string[] = ra.body.data.map((c: { id: string }) => c.id);
    let next = ra.body.nextCursor;
    for (let i = 0; next; i++) {
      const res = await (i % 2 === 0 ? b : a).get(`/conversations?cursor=${encodeURIComponent(next)}`);
      expect(res.status).toBe(200);
      ids.push(...res.body.data.map((c: { id: string }) => c.id));
      next = res.body.nextCursor;
    }
    expect(new Set(ids).size).toBe(240);
    expect(ids).toHaveLength(240);
  });

  it('when the syncing replica dies, the other takes the sync over within one lease period', async () => {
    const [ma] = await Promise.all([mirrorsOf(a)]);
    const syncing = ma.uncodie!.syncing ? a : b;
    const other = syncing === a ? b : a;
    const killedAt = Date.now();
    await syncing.kill();
    await until('the survivor to hold every lease', async () => {
      const m = await mirrorsOf(other);
      return MIRRORED.every((v) => m[v]!.syncing);
    }, 10_000);
    const tookMs = Date.now() - killedAt;
    expect(tookMs).toBeLessThan(LEASE_MS + LEASE_MS / 3 + 1500);
    // And it syncs: a new conversation at the vendor shows in the survivor's pages after its next pass.
    const sim = sims.sims.get('superagentes')!;
    const newest = Math.max(...sim.data.map((c) => c.createdAt));
    sim.data = [...sim.data, { ...structuredClone(sim.data[0]!), id: 'sa-after-handover', createdAt: newest + 1000, updatedAt: newest + 1000, lastActivityAt: newest + 1000 }];
    await until('the new conversation in the survivor\'s pages', async () => {
      const res = await other.get('/conversations?vendor=superagentes&limit=1&orderBy=createdAt');
      return res.body.data?.[0]?.id === 'superagentes:sa-after-handover';
    });
  });
});
