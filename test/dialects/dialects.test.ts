/**
 * The test-only dialect vendors end to end, through the real config pipeline: YAML → interpolation →
 * schema → compiled vendor → real HTTP to the simulator → mapped items, compared with the simulator's
 * oracle. Nothing here reads a vendor's dialect except through its YAML.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vendorSchema } from '../../src/config/vendor-schema.js';
import type { Item } from '../../src/model/conversation.js';
import { FILTER_NAMES, ORDER_FIELDS, type FilterName, type Filters, type OrderField } from '../../src/model/query.js';
import { planQuery } from '../../src/plan/plan.js';
import { generateConversations, type CanonicalConversation } from '../../sim/canonical.js';
import { startSimulator, type Fault, type Simulator } from '../../sim/kit.js';
import { call, credsOf, isFailure, loadVendor, readAll, readConfig, stemOf } from './harness.js';
import { dialectVendors } from './index.js';

type Name = keyof typeof dialectVendors;
type Expect = { code: string; upstreamStatus: number; upstreamCode: string | null; message: string; retryAfter: number | null };

interface Case {
  name: Name;
  /** Exactly the filters the config pushes down; every other one must still be checkable locally. */
  pushed: FilterName[];
  /** Env that makes the config send credentials the simulator refuses. */
  wrongEnv: Record<string, string>;
  /** A parameter the vendor answers 400 to. */
  rejected: [string, string];
  errors: Record<'rateLimit' | 'rateLimitNoHeader' | 'unavailable' | 'internal' | 'auth' | 'rejected', Expect>;
}

const pb = (upstreamStatus: number, code: string, message: string, retryAfter: number | null = null): Expect =>
  ({ code, upstreamStatus, upstreamCode: null, message, retryAfter });
const cl = (upstreamStatus: number, code: string, upstreamCode: string, message: string, retryAfter: number | null = null): Expect =>
  ({ code, upstreamStatus, upstreamCode, message, retryAfter });

const CASES: Case[] = [
  {
    name: 'pagebox',
    pushed: ['channel', 'status'],
    wrongEnv: { PAGEBOX_KEY: 'not-the-key' },
    rejected: ['direction', 'sideways'],
    errors: {
      rateLimit: pb(429, 'RATE_LIMITED', 'too many requests', 7),
      rateLimitNoHeader: pb(429, 'RATE_LIMITED', 'too many requests'),
      unavailable: pb(503, 'UPSTREAM_UNAVAILABLE', 'maintenance in progress'),
      internal: pb(500, 'UPSTREAM_ERROR', 'internal error'),
      auth: pb(401, 'UPSTREAM_AUTH_FAILED', 'invalid or missing X-Pagebox-Key'),
      rejected: pb(400, 'UPSTREAM_REJECTED', 'direction must be ASC or DESC'),
    },
  },
  {
    name: 'cursorly',
    pushed: ['status', 'agentId', 'search', 'createdAfter', 'createdBefore'],
    wrongEnv: { CURSORLY_PASSWORD: 'not-the-password' },
    rejected: ['status', 'pending'],
    errors: {
      rateLimit: cl(429, 'RATE_LIMITED', 'rate_limited', 'Too many requests', 7),
      rateLimitNoHeader: cl(429, 'RATE_LIMITED', 'rate_limited', 'Too many requests'),
      unavailable: cl(503, 'UPSTREAM_UNAVAILABLE', 'service_unavailable', 'Cursorly is temporarily unavailable'),
      internal: cl(500, 'UPSTREAM_ERROR', 'server_error', 'Something went wrong on our end'),
      auth: cl(401, 'UPSTREAM_AUTH_FAILED', 'unauthorized', 'Invalid API credentials'),
      rejected: cl(400, 'UPSTREAM_REJECTED', 'parameter_invalid', 'status must be open or closed'),
    },
  },
];

const FAULTS: [keyof Case['errors'], Fault][] = [
  ['rateLimit', { kind: 'rateLimit', retryAfter: 7, header: true }],
  ['rateLimitNoHeader', { kind: 'rateLimit', retryAfter: 7, header: false }],
  ['unavailable', { kind: 'unavailable' }],
  ['internal', { kind: 'internal' }],
  ['auth', { kind: 'auth' }],
];

const TIME_OF: Record<OrderField, (c: CanonicalConversation) => number> = {
  createdAt: (c) => c.createdAt,
  updatedAt: (c) => c.updatedAt,
  lastActivityAt: (c) => c.lastActivityAt,
};

describe.each(CASES)('$name dialect', (tc) => {
  const { module, configFile } = dialectVendors[tc.name];
  const { config, compiled: v } = loadVendor(configFile);
  const data = module.demoData(7, 57);
  // A 40-second window over 40 records: most sort keys tie, so paging must neither drop nor repeat ties.
  const ties = generateConversations({ seed: 3, count: 40, spanSeconds: 40, idPrefix: `${tc.name}-tie` });
  let sim: Simulator;
  let tieSim: Simulator;

  beforeAll(async () => {
    sim = await startSimulator(module.behaviour(credsOf(config)), { data });
    tieSim = await startSimulator(module.behaviour(credsOf(config)), { data: ties });
  });
  afterAll(async () => {
    await Promise.all([sim.close(), tieSim.close()]);
  });

  const fixed = () => v.fixedParams({ messages: false });
  const mapAll = (raws: unknown[]): Item[] =>
    raws.map((raw) => {
      const r = v.mapItem(raw, { messages: false, raw: false });
      if ('drop' in r) throw new Error(`item dropped: ${r.drop}`);
      return r;
    });

  describe('config', () => {
    it('validates after interpolation with an empty env, named after its file, with no simulator', () => {
      const parsed = vendorSchema.safeParse(readConfig(configFile));
      expect(parsed.error?.issues).toBeUndefined();
      expect(parsed.data?.name).toBe(stemOf(configFile));
      expect(parsed.data?.simulator).toBeUndefined();
      expect(parsed.data?.baseUrl).toBe('');
    });

    it('takes its base URL and credentials from the env', () => {
      const base = `${tc.name.toUpperCase()}_BASE_URL`;
      const { compiled } = loadVendor(configFile, { [base]: 'https://vendor.example/proxy', ...tc.wrongEnv });
      expect(compiled.origin).toBe('https://vendor.example');
      expect(compiled.buildRequest([], compiled.paging.first(), 5).path).toMatch(/^\/proxy\//);
      expect(compiled.headers).not.toEqual(v.headers);
      expect(compiled.secrets.length).toBeGreaterThan(0);
    });

    it('pushes down what the vendor can do and can check every other filter locally', () => {
      const pushable = FILTER_NAMES.filter((n) => v.filters[n].push !== undefined);
      expect(pushable.sort()).toEqual([...tc.pushed].sort());
      // Sort parameters for every field, both directions.
      expect(v.orders.map((o) => `${o.by} ${o.dir} ${o.how}`).sort()).toEqual(ORDER_FIELDS.flatMap((f) => [`${f} asc param`, `${f} desc param`]).sort());
      for (const n of ['status', 'channel', 'agentId', 'search', 'createdAfter', 'createdBefore', 'updatedAfter', 'updatedBefore'] as const) {
        expect(v.filters[n].local, n).toBe(true);
      }
    });

    it('plans status=open as a fetch, never as "no match"', () => {
      const plan = planQuery(
        { vendors: [v.name], filters: { status: 'open' }, orderBy: 'lastActivityAt', orderDir: 'desc', include: [], strict: true, explain: false, onVendorError: 'partial' },
        [v],
      );
      expect(plan.invalid).toEqual([]);
      expect(plan.vendors[0]).toMatchObject({ action: 'fetch', orderPushed: true, mode: 'ordered', local: ['status'] });
      expect(plan.vendors[0]!.params.some(([k]) => k === 'state')).toBe(false);
    });
  });

  describe('round trip', () => {
    it.each([7, v.paging.maxPageSize])('maps every record of every page to the oracle (page size %i)', async (size) => {
      const { items, pages } = await readAll(sim, v, [...fixed(), ...v.orderFor('createdAt', 'desc')!], size);
      expect(pages).toBeGreaterThanOrEqual(Math.ceil(data.length / size));
      const mapped = mapAll(items);
      expect(mapped.map((i) => i.conversation.externalId).sort()).toEqual(data.map((c) => c.id).sort());
      const byId = new Map(data.map((c) => [c.id, c]));
      for (const { conversation } of mapped) {
        expect(conversation).toStrictEqual(module.expected(byId.get(conversation.externalId)!, tc.name, { messages: false }));
      }
    });

    it.each(ORDER_FIELDS.flatMap((f) => (['asc', 'desc'] as const).map((d) => [f, d] as const)))(
      'orders by %s %s across pages, ties included',
      async (field, dir) => {
        const { items } = await readAll(tieSim, v, [...fixed(), ...v.orderFor(field, dir)!], 6);
        const key = TIME_OF[field];
        // The vendors keep ties in insertion order: a stable sort of the records is the whole oracle.
        const want = [...ties].sort((a, b) => (dir === 'asc' ? key(a) - key(b) : key(b) - key(a))).map((c) => c.id);
        expect(mapAll(items).map((i) => i.conversation.externalId)).toEqual(want);
      },
    );

    it('pushed filters give exactly the matching records', async () => {
      const probe = data[11]!;
      const values: Filters = {
        status: 'closed',
        channel: probe.channel,
        agentId: probe.agent.id,
        createdAfter: probe.createdAt,
        createdBefore: probe.createdAt,
        search: probe.contact.email.toUpperCase(),
      };
      const text = (c: CanonicalConversation) => (module.searchText?.(c) ?? '').toLowerCase();
      const matches: Partial<Record<FilterName, (c: CanonicalConversation) => boolean>> = {
        status: (c) => c.status === values.status,
        channel: (c) => c.channel === values.channel,
        agentId: (c) => c.agent.id === values.agentId,
        createdAfter: (c) => c.createdAt >= values.createdAfter!,
        createdBefore: (c) => c.createdAt < values.createdBefore!,
        search: (c) => text(c).includes(values.search!.toLowerCase()),
      };
      for (const name of tc.pushed) {
        const r = v.filters[name].push!(values[name]!);
        if (!('params' in r)) throw new Error(`${name} was not pushed: ${JSON.stringify(r)}`);
        const { items } = await readAll(sim, v, [...fixed(), ...r.params], 10);
        const want = data.filter(matches[name]!).map((c) => c.id).sort();
        expect(want.length, name).toBeGreaterThan(0);
        expect(mapAll(items).map((i) => i.conversation.externalId).sort(), name).toEqual(want);
      }
    });
  });

  describe('errors through the compiled config', () => {
    const failureOf = async (s: Simulator, compiled = v, params: [string, string][] = []) => {
      const page = compiled.readPage(await call(s, compiled, [...fixed(), ...params], compiled.paging.first(), 10));
      if (!isFailure(page)) throw new Error('expected a failure');
      return page;
    };

    it.each(FAULTS)('%s keeps the vendor code and message', async (kind, fault) => {
      sim.fault = fault;
      try {
        expect(await failureOf(sim)).toMatchObject(tc.errors[kind]);
      } finally {
        sim.fault = null;
      }
    });

    it('real wrong credentials are UPSTREAM_AUTH_FAILED', async () => {
      expect(await failureOf(sim, loadVendor(configFile, tc.wrongEnv).compiled)).toMatchObject(tc.errors.auth);
    });

    it('a parameter the vendor refuses is UPSTREAM_REJECTED', async () => {
      expect(await failureOf(sim, v, [tc.rejected])).toMatchObject(tc.errors.rejected);
    });

    it.each([
      [{ kind: 'html' } as Fault, 'UPSTREAM_ERROR'],
      [{ kind: 'malformed' } as Fault, 'UPSTREAM_INVALID_RESPONSE'],
      [{ kind: 'wrongShape' } as Fault, 'UPSTREAM_INVALID_RESPONSE'],
    ])('proxy and shape faults (%j) are %s', async (fault, code) => {
      sim.fault = fault;
      try {
        expect((await failureOf(sim)).code).toBe(code);
      } finally {
        sim.fault = null;
      }
    });
  });
});
