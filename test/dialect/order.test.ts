/**
 * `request.order` in its three forms: what the schema accepts (and the path it names when it doesn't),
 * the orders compiled from it in precedence (parameter form, then select, then natural), their collisions
 * with fixed parameters, and the mirror pass an order makes possible.
 */
import { describe, expect, it } from 'vitest';
import { gatewaySchema } from '../../src/config/gateway-schema.js';
import { paramCollisions } from '../../src/config/param-collisions.js';
import { vendorSchema, type VendorConfigInput } from '../../src/config/vendor-schema.js';
import { DialectError } from '../../src/dialect/fields.js';
import { compileVendor } from '../../src/dialect/vendor.js';

const base = (order: unknown, over: Partial<VendorConfigInput> = {}): unknown => ({
  name: 'acme',
  baseUrl: 'https://acme.test',
  path: '/list',
  request: { order, pagination: { style: 'offset', limitParam: 'limit', offsetParam: 'offset', maxPageSize: 50 } },
  response: { items: 'data', fields: { externalId: 'id', createdAt: 'created', updatedAt: 'updated', lastActivityAt: 'active' } },
  ...over,
});
const issuesOf = (order: unknown) => {
  const r = vendorSchema.safeParse(base(order));
  expect(r.success).toBe(false);
  return r.error!.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
};
const compiled = (order: unknown, over: Partial<VendorConfigInput> = {}) => compileVendor(vendorSchema.parse(base(order, over)), gatewaySchema.parse({}));

const PARAM_FORM = { param: 'sort', dirParam: 'dir', fields: { createdAt: 'created', updatedAt: 'updated' } };

describe('request.order schema', () => {
  it.each([
    [{ param: 'sort', fields: { createdAt: 'c' } }, ['request.order.dirParam']],
    [{ dirParam: 'dir' }, ['request.order.param', 'request.order.fields']],
    [{ param: 'sort', dirParam: 'dir', natural: { by: 'updatedAt', dir: 'desc' } }, ['request.order.fields']],
  ])('takes param, dirParam and fields together or not at all: %j names what is missing', (order, paths) => {
    const issues = issuesOf(order);
    expect(issues.map((i) => i.path)).toEqual(paths);
    for (const i of issues) expect(i.message).toMatch(/is needed with .*: the parameter form takes param, dirParam and fields together/);
  });

  it('an order block that gives no order is an error at request.order', () => {
    expect(issuesOf({ nulls: 'last' })).toEqual([{ path: 'request.order', message: expect.stringMatching(/gives no order: set param, dirParam and fields, or select, or natural/) }]);
  });

  it('a natural order alone, or selects alone, are enough', () => {
    expect(vendorSchema.safeParse(base({ natural: { by: 'updatedAt', dir: 'desc' } })).success).toBe(true);
    expect(vendorSchema.safeParse(base({ select: [{ by: 'createdAt', dir: 'desc', query: { order_date_created: '1' } }] })).success).toBe(true);
  });

  it.each([
    [{ natural: { by: 'priority', dir: 'desc' } }, 'request.order.natural.by'],
    [{ natural: { by: 'updatedAt', dir: 'down' } }, 'request.order.natural.dir'],
    [{ natural: { by: 'updatedAt' } }, 'request.order.natural.dir'],
    [{ natural: { by: 'updatedAt', dir: 'desc', nulls: 'first' } }, 'request.order.natural'],
    [{ select: [] }, 'request.order.select'],
    [{ select: [{ by: 'createdAt', dir: 'desc', query: {} }] }, 'request.order.select.0.query'],
    [{ select: [{ by: 'createdAt', dir: 'desc' }] }, 'request.order.select.0.query'],
  ])('rejects %j at %s', (order, path) => {
    expect(issuesOf(order).map((i) => i.path)).toContain(path);
  });

  it('a select that repeats an order is an error naming both', () => {
    const q = { order_date_created: '1' };
    expect(issuesOf({ select: [{ by: 'createdAt', dir: 'desc', query: q }, { by: 'createdAt', dir: 'desc', query: { sort: 'c' } }] })).toEqual([
      { path: 'request.order.select.1', message: 'createdAt desc is already selected by select[0]' },
    ]);
  });
});

describe('compiled orders', () => {
  it('the parameter form gives both directions of every field it lists', () => {
    const v = compiled(PARAM_FORM);
    expect(v.orders.map((o) => `${o.by} ${o.dir} ${o.how}`)).toEqual(['createdAt asc param', 'createdAt desc param', 'updatedAt asc param', 'updatedAt desc param']);
    expect(v.orderFor('createdAt', 'asc')).toEqual([['sort', 'created'], ['dir', 'asc']]);
    expect(v.orderFor('lastActivityAt', 'desc')).toBeNull();
  });

  it('a select gives its one direction with its own parameters; natural gives its order with none', () => {
    const v = compiled({ natural: { by: 'lastActivityAt', dir: 'desc' }, select: [{ by: 'createdAt', dir: 'desc', query: { order_date_created: '1' } }] });
    expect(v.orders).toEqual([
      { by: 'createdAt', dir: 'desc', params: [['order_date_created', '1']], how: 'select' },
      { by: 'lastActivityAt', dir: 'desc', params: [], how: 'natural' },
    ]);
    expect(v.orderFor('createdAt', 'desc')).toEqual([['order_date_created', '1']]);
    expect(v.orderFor('createdAt', 'asc')).toBeNull();
    expect(v.orderFor('lastActivityAt', 'desc')).toEqual([]);
    expect(v.orderFor('lastActivityAt', 'asc')).toBeNull();
  });

  it('precedence: the parameter form, then select, then natural', () => {
    const v = compiled({
      ...PARAM_FORM,
      directions: { asc: 'ASC', desc: 'DESC' },
      select: [
        { by: 'updatedAt', dir: 'desc', query: { newest: '1' } },
        { by: 'lastActivityAt', dir: 'desc', query: { active: '1' } },
      ],
      natural: { by: 'lastActivityAt', dir: 'desc' },
    });
    // The sort parameters win over the select for updatedAt desc, the select over natural for lastActivityAt.
    expect(v.orderFor('updatedAt', 'desc')).toEqual([['sort', 'updated'], ['dir', 'DESC']]);
    expect(v.orderFor('lastActivityAt', 'desc')).toEqual([['active', '1']]);
    expect(v.orders.filter((o) => o.by === 'lastActivityAt')).toEqual([{ by: 'lastActivityAt', dir: 'desc', params: [['active', '1']], how: 'select' }]);
    // Each order once.
    expect(new Set(v.orders.map((o) => `${o.by} ${o.dir}`)).size).toBe(v.orders.length);
  });

  it('no order block: no order', () => {
    const v = compiled(undefined);
    expect(v.orders).toEqual([]);
    expect(v.orderFor('updatedAt', 'desc')).toBeNull();
  });

  it("a natural or selected order by a field the response doesn't map is a load error naming the path", () => {
    const fields = { externalId: 'id', createdAt: 'created' };
    const unmapped = (order: unknown) => () => compiled(order, { response: { items: 'data', fields } });
    expect(unmapped({ natural: { by: 'updatedAt', dir: 'desc' } })).toThrowError(expect.objectContaining({ path: 'request.order.natural.by', message: "orders by updatedAt, which response.fields doesn't map" }));
    expect(unmapped({ select: [{ by: 'createdAt', dir: 'desc', query: { a: '1' } }, { by: 'lastActivityAt', dir: 'asc', query: { b: '1' } }] })).toThrowError(DialectError);
    expect(unmapped({ select: [{ by: 'createdAt', dir: 'desc', query: { a: '1' } }, { by: 'lastActivityAt', dir: 'asc', query: { b: '1' } }] })).toThrowError(
      expect.objectContaining({ path: 'request.order.select.1.by' }),
    );
  });
});

describe('order parameters and fixed ones', () => {
  it("a select's parameter that a fixed one also sets is a collision naming both", () => {
    const v = vendorSchema.parse(base({ select: [{ by: 'createdAt', dir: 'desc', query: { order_date_created: '1', scope: 'all' } }] }, {}));
    v.request.query = { scope: 'mine' };
    expect(paramCollisions(v)).toEqual([{ path: ['request', 'order', 'select', 0, 'query', 'scope'], fixed: ['request', 'query', 'scope'], name: 'scope' }]);
  });

  it('the parameter form still collides by param and dirParam; a natural order sends nothing to collide', () => {
    const v = vendorSchema.parse(base({ ...PARAM_FORM, natural: { by: 'updatedAt', dir: 'desc' } }));
    v.request.query = { dir: 'x' };
    expect(paramCollisions(v).map((c) => c.path.join('.'))).toEqual(['request.order.dirParam']);
    const n = vendorSchema.parse(base({ natural: { by: 'updatedAt', dir: 'desc' } }));
    n.request.query = { sort: 'x', dir: 'y' };
    expect(paramCollisions(n)).toEqual([]);
  });
});

describe('mirror passes from an order', () => {
  const mirror = (order: unknown) => compiled(order, { mirror: {} }).mirror!;

  it('a natural newest-updated-first order makes an incremental mirror; newest-created-first a head one', () => {
    expect(mirror({ natural: { by: 'updatedAt', dir: 'desc' } }).frequent).toEqual({ kind: 'changes', via: 'order', field: 'updatedAt' });
    expect(mirror({ natural: { by: 'createdAt', dir: 'desc' } })).toMatchObject({ strategy: 'head', frequent: { kind: 'head', via: 'order', field: 'createdAt' } });
    expect(mirror({ select: [{ by: 'createdAt', dir: 'desc', query: { order_date_created: '1' } }] }).frequent).toEqual({ kind: 'head', via: 'order', field: 'createdAt' });
  });

  it('an order only oldest first reads nothing newest first: full reads', () => {
    expect(mirror({ natural: { by: 'updatedAt', dir: 'asc' } })).toMatchObject({ strategy: 'full', frequent: null });
  });
});

describe('mirror strategy errors', () => {
  it('incremental without a newest-updated-first order names what would do', () => {
    expect(() => compiled({ natural: { by: 'updatedAt', dir: 'asc' } }, { mirror: { strategy: 'incremental' } })).toThrowError(
      expect.objectContaining({ path: 'mirror.strategy', message: expect.stringMatching(/^incremental needs an updatedAfter filter or an order newest updated first \(request\.order: sort parameters, a select or natural\)/) }),
    );
  });
});
