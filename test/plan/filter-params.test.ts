/** The planner and filters that switch parameters: a value's own parameters, and whenAbsent ones. */
import { describe, expect, it } from 'vitest';
import type { QueryShape } from '../../src/model/query.js';
import { planQuery } from '../../src/plan/plan.js';
import { compileMinimal } from '../helpers/minimal-vendor.js';

const shape = (over: Partial<QueryShape> = {}): QueryShape => ({
  vendors: [], filters: {}, orderBy: 'lastActivityAt', orderDir: 'desc', include: [], strict: false, explain: false, onVendorError: 'partial', ...over,
});

const crisp = compileMinimal({ filters: { status: { values: { closed: { filter_resolved: '1' }, open: { filter_not_resolved: '1' } } } } });
const woot = compileMinimal({ query: { scope: 'inbox' }, filters: { status: { param: 'status', values: { open: 'open', closed: 'resolved' }, whenAbsent: 'all' } } });
/** `open` spans two vendor states, so it is checked here: the vendor must then be read with every status. */
const split = compileMinimal({
  filters: {
    status: { param: 'state', values: { closed: 'resolved', open: null }, whenAbsent: 'any' },
    channel: { param: 'channel', whenAbsent: { channels: 'all' }, ignoredWith: ['status'] },
  },
});
const planOf = (v: typeof crisp, filters: QueryShape['filters']) => planQuery(shape({ filters }), [v]).vendors[0]!;

describe('planQuery: filter parameters', () => {
  it("sends a value's own parameters, and names them as the filter's carriers", () => {
    expect(planOf(crisp, { status: 'closed' })).toMatchObject({
      action: 'fetch', pushed: ['status'], params: [['filter_resolved', '1']], vendorTotalExact: true,
      carriers: [{ param: 'filter_resolved', filter: 'status', by: 'value', value: 'closed' }],
    });
    expect(planOf(crisp, { status: 'open' }).params).toEqual([['filter_not_resolved', '1']]);
    expect(planOf(crisp, {}).params).toEqual([]);
  });

  it("sends a filter's whenAbsent when the caller doesn't filter by it, after the fixed parameters", () => {
    expect(planOf(woot, {})).toMatchObject({
      params: [['scope', 'inbox'], ['status', 'all']], pushed: [], vendorTotalExact: true,
      carriers: [{ param: 'status', filter: 'status', by: 'absent', value: 'all' }],
    });
  });

  it('sends the value instead of whenAbsent when the caller filters by it', () => {
    const p = planOf(woot, { status: 'closed' });
    expect(p.params).toEqual([['scope', 'inbox'], ['status', 'resolved']]);
    expect(p.carriers).toEqual([{ param: 'status', filter: 'status', by: 'value', value: 'closed' }]);
  });

  it('a value checked here (mapped to null) reads with whenAbsent, and checks the value locally', () => {
    const p = planOf(split, { status: 'open' });
    expect(p).toMatchObject({ action: 'fetch', pushed: [], local: ['status'], vendorTotalExact: false });
    expect(p.params).toEqual([['state', 'any'], ['channels', 'all']]);
  });

  it('a filter ignored beside another pushed one is checked here, and sends its whenAbsent', () => {
    const p = planOf(split, { status: 'closed', channel: 'email' });
    expect(p).toMatchObject({ pushed: ['status'], local: ['status', 'channel'] });
    expect(p.params).toEqual([['state', 'resolved'], ['channels', 'all']]);
    expect(p.carriers).toEqual([
      { param: 'state', filter: 'status', by: 'value', value: 'closed' },
      { param: 'channels', filter: 'channel', by: 'absent', value: 'all' },
    ]);
    // Without the other filter it is pushed, and its whenAbsent is not sent.
    expect(planOf(split, { channel: 'email' }).params).toEqual([['channel', 'email'], ['state', 'any']]);
  });

  it('no call at all for a value the vendor can hold no match for', () => {
    expect(planOf(woot, { status: 'pending' as never })).toMatchObject({ action: 'empty' });
  });

  it('a mirror plan sends nothing and names no carriers', () => {
    const mirrored = planQuery(shape(), [woot], new Map([[woot.name, { ready: true, messages: true, raw: true, serve: 'always' as const }]])).vendors[0]!;
    expect(mirrored).toMatchObject({ mode: 'mirror', params: [] });
    expect(mirrored.carriers).toBeUndefined();
  });
});
