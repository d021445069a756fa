/** The filter keys of the vendor schema: what each form of `values` and `whenAbsent` needs. */
import { describe, expect, it } from 'vitest';
import { vendorSchema } from '../../src/config/vendor-schema.js';
import { minimalVendor } from '../helpers/minimal-vendor.js';

const issuesOf = (filters: Record<string, unknown>) =>
  (vendorSchema.safeParse(minimalVendor({ filters: filters as never })).error?.issues ?? []).map((i) => ({ path: i.path.join('.'), message: i.message }));

describe('vendor schema: filters', () => {
  it('takes values that map to their own parameters with no `param`', () => {
    expect(issuesOf({ status: { values: { closed: { filter_resolved: '1' }, open: { filter_not_resolved: '1' } } } })).toEqual([]);
    // null (checked here) and a map mix freely; a whenAbsent map needs no param either.
    expect(issuesOf({ status: { values: { closed: { filter_resolved: '1' }, open: null }, whenAbsent: { filter_any: '1' } } })).toEqual([]);
  });

  it('takes a string whenAbsent beside a param', () => {
    expect(issuesOf({ status: { param: 'status', values: { open: 'open', closed: 'resolved' }, whenAbsent: 'all' } })).toEqual([]);
  });

  it('needs `param` when a value is a string, naming the path and the value', () => {
    expect(issuesOf({ status: { values: { closed: { filter_resolved: '1' }, open: 'open' } } })).toEqual([
      { path: 'request.filters.status.param', message: 'is needed: values.open is a string, sent as <param>=open' },
    ]);
  });

  it('needs `param` without a values map, and for a string whenAbsent', () => {
    expect(issuesOf({ channel: {} })).toEqual([{ path: 'request.filters.channel.param', message: expect.stringMatching(/^is needed: without a values map/) }]);
    expect(issuesOf({ status: { values: { closed: { filter_resolved: '1' } }, whenAbsent: 'all' } })).toEqual([
      { path: 'request.filters.status.param', message: 'is needed: whenAbsent is a string, sent as <param>=all' },
    ]);
  });

  it('refuses a parameter map with no parameter in it', () => {
    expect(issuesOf({ status: { values: { closed: {} } } })).toEqual([{ path: 'request.filters.status.values.closed', message: 'must name at least one parameter' }]);
    expect(issuesOf({ status: { param: 'status', whenAbsent: {} } })).toEqual([{ path: 'request.filters.status.whenAbsent', message: 'must name at least one parameter' }]);
  });

  it('describes every filter key in the generated JSON schema (hover texts)', async () => {
    const { readFile } = await import('node:fs/promises');
    const { ROOT } = await import('../helpers/harness.js');
    const text = await readFile(`${ROOT}config/vendor.schema.json`, 'utf8');
    const schema = JSON.parse(text);
    // The root is the whole vendor or a partial one (a file that `extends` another): the whole one first.
    const filters = schema.anyOf[0].properties.request.properties.filters;
    const spec = filters.properties?.status ?? filters.additionalProperties;
    const keys = Object.keys(spec.properties);
    expect(keys.sort()).toEqual(['exact', 'format', 'ignoredWith', 'param', 'recheck', 'values', 'whenAbsent']);
    for (const k of keys) expect(spec.properties[k].description, k).toEqual(expect.any(String));
  });
});
