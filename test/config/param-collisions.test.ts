/** A fixed parameter that a filter (its param, a value's own parameters, its whenAbsent) also sets. */
import { describe, expect, it } from 'vitest';
import { collisionMessage, paramCollisions } from '../../src/config/param-collisions.js';
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
