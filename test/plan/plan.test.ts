import { beforeAll, describe, expect, it } from 'vitest';
import { gatewaySchema } from '../../src/config/gateway-schema.js';
import { vendorSchema } from '../../src/config/vendor-schema.js';
import { explainVendorPlan } from '../../src/conversations/list.js';
import { compileVendor, type CompiledVendor } from '../../src/dialect/vendor.js';
import type { QueryShape } from '../../src/model/query.js';
import { planQuery, type MirrorAvailability } from '../../src/plan/plan.js';
import { shippedVendors } from '../helpers/compiled.js';

let v: Record<string, CompiledVendor>;
beforeAll(async () => {
  v = await shippedVendors();
});

const shape = (over: Partial<QueryShape> = {}): QueryShape => ({
  vendors: [], filters: {}, orderBy: 'lastActivityAt', orderDir: 'desc', include: [], strict: false, explain: false, onVendorError: 'partial', ...over,
});
const planOf = (name: string, over: Partial<QueryShape> = {}) => planQuery(shape(over), [v[name]!]).vendors[0]!;
const LEAD = 'f41bb290-0404-44d7-a969-b21a7ec65b77';
const VISITOR = '3f4a5b6c-7d8e-4f0a-9b2c-3d4e5f6a7b8c';

describe('planQuery', () => {
  it('pushes order and status down to a vendor that can take them, reading lazily with an exact total', () => {
    const p = planOf('siteassist', { filters: { status: 'open' }, orderBy: 'createdAt', orderDir: 'asc' });
    expect(p).toMatchObject({ action: 'fetch', pushed: ['status'], local: ['status'], orderPushed: true, mode: 'ordered', vendorTotalExact: true });
    expect(p.params).toEqual([['status', 'open'], ['orderBy', 'createdAt'], ['orderDir', 'asc']]);
  });

  it('uses the config spelling for the misspelled order field', () => {
    expect(planOf('siteassist').params).toContainEqual(['orderBy', 'lastInterationAt']);
  });

  it('filters locally what a vendor cannot take, and then its own total is not ours', () => {
    const p = planOf('siteassist', { filters: { createdAfter: 0, search: 'x' } });
    expect(p).toMatchObject({ action: 'fetch', pushed: [], local: ['search', 'createdAfter'], vendorTotalExact: false });
  });

  it('skips a vendor that cannot evaluate a filter at all, and says why', () => {
    expect(planOf('uncodie', { filters: { status: 'open' } })).toMatchObject({ action: 'skip', reason: expect.stringMatching(/status/), blockedBy: 'status' });
    expect(planOf('siteassist', { filters: { agentId: 'a' } })).toMatchObject({ action: 'skip', blockedBy: 'agentId' });
    expect(planOf('superagentes', { filters: { leadId: LEAD } })).toMatchObject({ action: 'skip', blockedBy: 'leadId' });
  });

  it('turns a skip into a 400 with strict=true', () => {
    const plan = planQuery(shape({ filters: { status: 'open' }, strict: true }), [v.uncodie!, v.siteassist!]);
    expect(plan.invalid).toEqual([{ name: 'status', reason: expect.stringMatching(/uncodie/) }]);
  });

  it('decides constant fields at plan time: no call when nothing can match', () => {
    expect(planOf('siteassist', { filters: { channel: 'whatsapp' } })).toMatchObject({ action: 'empty' });
    expect(planOf('siteassist', { filters: { channel: 'website' } })).toMatchObject({ action: 'fetch', local: [] });
  });

  it('rejects a malformed UUID for a vendor that requires one, before any call', () => {
    const plan = planQuery(shape({ filters: { leadId: 'not-a-uuid' } }), [v.uncodie!]);
    expect(plan.invalid).toEqual([{ name: 'leadId', reason: expect.stringMatching(/UUID.*uncodie/) }]);
    // A UUIDv7 has version digit 7: the vendor rejects it, so do we.
    expect(planQuery(shape({ filters: { userId: '0190d3e4-7b2c-7def-8abc-123456789abc' } }), [v.uncodie!]).invalid).toHaveLength(1);
  });

  it('sends the scope on every call and applies visitorId locally when leadId is also sent', () => {
    const p = planOf('uncodie', { filters: { leadId: LEAD, visitorId: VISITOR } });
    expect(p.params).toContainEqual(['site_id', '9be0a6a2-5567-41bf-ad06-cb4014f0faf2']);
    expect(p.params).toContainEqual(['lead_id', LEAD]);
    expect(p.params.some(([k]) => k === 'visitor_id')).toBe(false);
    expect(p.local).toEqual(['leadId', 'visitorId']);
    expect(planOf('uncodie', { filters: { visitorId: VISITOR } }).params).toContainEqual(['visitor_id', VISITOR]);
  });

  it('reads whole a vendor that cannot order or page, and trusts its search without re-checking', () => {
    const p = planOf('superagentes', { filters: { search: 'refund', createdAfter: Date.UTC(2024, 0, 1) } });
    expect(p).toMatchObject({ mode: 'whole', orderPushed: false, pushed: ['search', 'createdAfter'], local: ['createdAfter'] });
    expect(p.params).toContainEqual(['startDate', '2024-01-01T00:00:00.000Z']);
  });

  it('asks for every message only when the caller includes messages', () => {
    expect(planOf('superagentes', { include: ['messages'] }).params).toContainEqual(['fullConversation', 'true']);
    expect(planOf('superagentes').params.some(([k]) => k === 'fullConversation')).toBe(false);
  });
});

describe('planQuery with mirrors', () => {
  const ready: MirrorAvailability = { ready: true, messages: true, raw: false, serve: 'whenWhole' };
  const withMirror = (name: string, over: Partial<QueryShape> = {}, m: Partial<MirrorAvailability> = {}) =>
    planQuery(shape(over), [v[name]!], new Map([[name, { ...ready, ...m }]])).vendors[0]!;

  it('reads a ready mirror where the vendor would be read whole, every filter answered by its index', () => {
    const p = withMirror('superagentes', { filters: { status: 'open', search: 'refund', createdAfter: 0 } });
    expect(p).toMatchObject({ action: 'fetch', mode: 'mirror', params: [], local: [], orderPushed: true, vendorTotalExact: true });
    expect(p.pushed).toEqual(['status', 'search', 'createdAfter']);
    expect(p.live).toMatchObject({ mode: 'whole', params: expect.arrayContaining([['search', 'refund']]) });
  });

  it('stays live where the vendor orders for the query (serve: whenWhole), and reads the mirror with serve: always', () => {
    expect(withMirror('siteassist')).toMatchObject({ mode: 'ordered' });
    expect(withMirror('siteassist').mirrorNote).toBeUndefined();
    expect(withMirror('siteassist', {}, { serve: 'always' })).toMatchObject({ mode: 'mirror' });
  });

  it('reads live, and says why, what the mirror cannot answer', () => {
    expect(withMirror('superagentes', {}, { ready: false, notReady: 'mirror warming (first full read: 12 conversations so far)' })).toMatchObject({ mode: 'whole', mirrorNote: expect.stringMatching(/^mirror warming/) });
    expect(withMirror('superagentes', { include: ['raw'] })).toMatchObject({ mode: 'whole', mirrorNote: expect.stringMatching(/include=raw/) });
    expect(withMirror('superagentes', { include: ['messages'] }, { messages: false })).toMatchObject({ mode: 'whole', mirrorNote: expect.stringMatching(/include=messages/) });
    // The vendor searches message text: a copy without every message can't answer as it would.
    expect(withMirror('superagentes', { filters: { search: 'x' } }, { messages: false })).toMatchObject({ mode: 'whole', mirrorNote: expect.stringMatching(/^search/) });
  });

  it('keeps what the live plan decided without the mirror: skipped, empty, invalid', () => {
    expect(withMirror('uncodie', { filters: { status: 'open' } })).toMatchObject({ action: 'skip', blockedBy: 'status' });
    expect(planQuery(shape({ filters: { leadId: 'not-a-uuid' } }), [v.uncodie!], new Map([['uncodie', ready]])).invalid).toEqual([{ name: 'leadId', reason: expect.stringMatching(/UUID/) }]);
  });

  it('while warming, does not plan a call to a vendor known too large to read whole', () => {
    const p = withMirror('uncodie', {}, { ready: false, notReady: 'mirror warming (first full read: 900 conversations so far)', knownSize: 20_000 });
    expect(p).toMatchObject({ mode: 'whole', tooLarge: expect.stringMatching(/^uncodie holds at least 20000 conversations, more than maxItems \(5000\)/) });
    expect(withMirror('uncodie', {}, { ready: false, knownSize: 300 }).tooLarge).toBeUndefined();
    // A filter the vendor applies may make its answer fit: it is asked.
    expect(withMirror('uncodie', { filters: { leadId: LEAD } }, { ready: false, knownSize: 20_000 }).tooLarge).toBeUndefined();
  });
});

describe('planQuery with natural and selected orders', () => {
  const vendor = (order: unknown, pagination: unknown = { style: 'page', pageParam: 'page', sizeParam: 'per_page', maxPageSize: 50 }) =>
    compileVendor(
      vendorSchema.parse({
        name: 'acme',
        baseUrl: 'https://acme.test',
        path: '/list',
        request: { query: { scope: 'all' }, filters: { status: { param: 'state' } }, order, pagination },
        response: { items: 'data', fields: { externalId: 'id', status: 'state', createdAt: 'created', updatedAt: 'updated', lastActivityAt: 'active' } },
      }),
      gatewaySchema.parse({}),
    );
  const plan = (v: CompiledVendor, over: Partial<QueryShape>) => planQuery(shape(over), [v]).vendors[0]!;
  const natural = { natural: { by: 'updatedAt', dir: 'desc' }, select: [{ by: 'createdAt', dir: 'desc', query: { order_date_created: '1' } }] };

  it('reads lazily in the natural order, sending no order parameter', () => {
    const p = plan(vendor(natural), { orderBy: 'updatedAt', orderDir: 'desc', filters: { status: 'open' } });
    expect(p).toMatchObject({ action: 'fetch', orderPushed: true, mode: 'ordered', orderParams: [], vendorTotalExact: true });
    expect(p.params).toEqual([['scope', 'all'], ['state', 'open']]);
  });

  it('reads lazily in a selected order, sending its parameters', () => {
    const p = plan(vendor(natural), { orderBy: 'createdAt', orderDir: 'desc' });
    expect(p).toMatchObject({ orderPushed: true, mode: 'ordered', orderParams: [['order_date_created', '1']] });
    expect(p.params).toEqual([['scope', 'all'], ['order_date_created', '1']]);
  });

  it.each([['updatedAt', 'asc'], ['createdAt', 'asc'], ['lastActivityAt', 'desc']] as const)('reads whole in an order the vendor does not give (%s %s), sending no order parameter', (orderBy, orderDir) => {
    const p = plan(vendor(natural), { orderBy, orderDir });
    expect(p).toMatchObject({ orderPushed: false, mode: 'whole' });
    expect(p.orderParams).toBeUndefined();
    expect(p.params).toEqual([['scope', 'all']]);
  });

  it('an unpaged vendor is read whole even in its natural order (one body holds everything)', () => {
    expect(plan(vendor(natural, { style: 'none' }), { orderBy: 'updatedAt', orderDir: 'desc' })).toMatchObject({ orderPushed: false, mode: 'whole' });
  });

  it('explain says natural for the natural order, pushed for parameters, local otherwise', () => {
    const v = vendor(natural);
    expect(explainVendorPlan(plan(v, { orderBy: 'updatedAt', orderDir: 'desc' }))).toMatchObject({ order: 'natural', read: 'lazy', params: ['scope'] });
    expect(explainVendorPlan(plan(v, { orderBy: 'createdAt', orderDir: 'desc' }))).toMatchObject({ order: 'pushed', read: 'lazy', params: ['scope', 'order_date_created'] });
    expect(explainVendorPlan(plan(v, { orderBy: 'createdAt', orderDir: 'asc' }))).toMatchObject({ order: 'local', read: 'whole' });
  });

  it('a ready mirror with serve: whenWhole stays live in the natural order, and serves the other direction', () => {
    const v = vendor(natural);
    const m = new Map([['acme', { ready: true, messages: true, raw: false, serve: 'whenWhole' as const }]]);
    expect(planQuery(shape({ orderBy: 'updatedAt', orderDir: 'desc' }), [v], m).vendors[0]).toMatchObject({ mode: 'ordered' });
    expect(planQuery(shape({ orderBy: 'updatedAt', orderDir: 'asc' }), [v], m).vendors[0]).toMatchObject({ mode: 'mirror' });
  });
});
