/** A fixed parameter that a filter (its param, a value's own parameters, its whenAbsent) also sets. */
import { describe, expect, it } from 'vitest';
import { clashMessage, collisionMessage, paramClashes, paramCollisions } from '../../src/config/param-collisions.js';
import { repeatedParams } from '../../src/cli/explain.js';
import { ALL_VENDORS } from '../helpers/harness.js';
import { loadVendor } from '../dialects/harness.js';
import { vendorSchema } from '../../src/config/vendor-schema.js';
import { minimalVendor } from '../helpers/minimal-vendor.js';

const collisions = (request: Record<string, unknown>) => paramCollisions(vendorSchema.parse(minimalVendor(request as never)));

describe('paramCollisions', () => {
  it("names a value's own parameter that is also fixed, and the fixed one", () => {
    expect(collisions({ query: { filter_resolved: '0' }, filters: { status: { values: { closed: { filter_resolved: '1' }, open: { filter_not_resolved: '1' } } } } })).toEqual([
      { path: ['request', 'filters', 'status', 'values', 'closed', 'filter_resolved'], fixed: ['request', 'query', 'filter_resolved'], name: 'filter_resolved', filter: 'status' },
    ]);
  });

  it('names whenAbsent parameters that are also fixed, and a filter param colliding with a fixed one', () => {
    expect(collisions({ query: { status: 'all', scope: 'x' }, filters: { status: { param: 'status', whenAbsent: 'all' }, channel: { values: { email: { source: 'mail' } }, whenAbsent: { scope: 'any' } } } }).map((c) => c.path.join('.'))).toEqual([
      'request.filters.status.param',
      'request.filters.channel.whenAbsent.scope',
    ]);
  });

  it("lets a filter's values share its own param (only one value is sent at a time)", () => {
    expect(collisions({ filters: { channel: { param: 'channel', values: { email: 'mail', sms: { channel: 'text', carrier: 'any' } } } } })).toEqual([]);
  });

  it('suggests whenAbsent for a fixed parameter a filter also sets, and not for the others', () => {
    const [filter] = collisions({ query: { status: 'all' }, filters: { status: { param: 'status' } } });
    expect(collisionMessage(filter!, 'vendors/x.yaml:3')).toMatch(
      /^"status" is also the fixed parameter request\.query\.status \(vendors\/x\.yaml:3\): every request would send status= twice.*write it as request\.filters\.status\.whenAbsent/,
    );
    const [paging] = collisions({ query: { page: '1' } });
    expect(paging!.path).toEqual(['request', 'pagination', 'pageParam']);
    expect(collisionMessage(paging!, 'vendors/x.yaml:3')).not.toMatch(/whenAbsent/);
  });
});

describe('paramClashes: one name that two parts of the request set', () => {
  const clashes = (request: Record<string, unknown>) => paramClashes(vendorSchema.parse(minimalVendor(request as never)));

  it('names two filters that send the same parameter, the later one first', () => {
    const [c, ...rest] = clashes({ filters: { agentId: { param: 'owner' }, userId: { param: 'owner' } } });
    expect(rest).toEqual([]);
    expect(c).toEqual({ path: ['request', 'filters', 'userId', 'param'], other: ['request', 'filters', 'agentId', 'param'], name: 'owner' });
    expect(clashMessage(c!, 'vendors/x.yaml:7')).toBe(
      '"owner" is also set by request.filters.agentId.param (vendors/x.yaml:7): a request using both would send owner= twice, and which one the vendor honours is its own choice: give each its own parameter',
    );
  });

  it("names a filter's whenAbsent that the paging also sets", () => {
    expect(clashes({ filters: { status: { param: 'status', whenAbsent: { page: 'all' } } }, pagination: { style: 'page', pageParam: 'page', maxPageSize: 10 } }).map((c) => c.path.join('.'))).toEqual([
      'request.pagination.pageParam',
    ]);
  });

  it("lets one filter's param, values and whenAbsent share a name, and the order's forms share theirs", () => {
    expect(clashes({ filters: { status: { param: 'status', values: { open: 'open', closed: { status: 'resolved' } }, whenAbsent: 'all' } } })).toEqual([]);
    expect(clashes({ order: { select: [{ by: 'createdAt', dir: 'desc', query: { sort: 'created_desc' } }, { by: 'createdAt', dir: 'asc', query: { sort: 'created_asc' } }] } })).toEqual([]);
  });

  it.each(ALL_VENDORS.map((v) => [v.name, v.configFile]))('%s (shipped or test dialect) has none', (_name, file) => {
    expect(paramClashes(loadVendor(file).config)).toEqual([]);
  });

  it('explain names a parameter a request would send twice', () => {
    expect(repeatedParams('status=all&page=1&status=%E2%80%A6')).toEqual(['status']);
    expect(repeatedParams('a=1&b=2')).toEqual([]);
  });
});
