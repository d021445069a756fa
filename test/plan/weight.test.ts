/** Which plans may hold many vendor items: the requests http.maxHeavy bounds. */
import { beforeAll, describe, expect, it } from 'vitest';
import type { CompiledVendor } from '../../src/dialect/vendor.js';
import type { QueryShape } from '../../src/model/query.js';
import { planQuery, type MirrorAvailability } from '../../src/plan/plan.js';
import { holdsMany } from '../../src/plan/weight.js';
import { shippedVendors } from '../helpers/compiled.js';

let v: Record<string, CompiledVendor>;
beforeAll(async () => {
  v = await shippedVendors();
});

const shape: QueryShape = { vendors: [], filters: {}, orderBy: 'lastActivityAt', orderDir: 'desc', include: [], strict: false, explain: false, onVendorError: 'partial' };
const DEPTH = 100;
const plans = (names: string[], mirrors?: Map<string, MirrorAvailability>) => planQuery(shape, names.map((n) => v[n]!), mirrors).vendors;
const ready: MirrorAvailability = { ready: true, messages: true, raw: true, serve: 'whenWhole' };

describe('holdsMany', () => {
  it('a vendor read lazily holds a page: light up to limits.maxLimit deep, heavy past it', () => {
    const lazy = plans(['siteassist']);
    expect(lazy[0]!.mode).toBe('ordered');
    expect(holdsMany(lazy, { offset: 0, limit: 100 }, DEPTH)).toBe(false);
    expect(holdsMany(lazy, { offset: 90, limit: 10 }, DEPTH)).toBe(false);
    expect(holdsMany(lazy, { offset: 91, limit: 10 }, DEPTH)).toBe(true);
    expect(holdsMany(lazy, { offset: 1000, limit: 10 }, DEPTH)).toBe(true);
  });

  it('a cursor resumes each lazy vendor where it stopped, at any depth: light; a vendor the walk finished is not read', () => {
    const lazy = plans(['siteassist']);
    expect(holdsMany(lazy, { offset: 5000, limit: 10, positions: { siteassist: { token: 5000, skip: 0 } } }, DEPTH)).toBe(false);
    const whole = plans(['superagentes']);
    expect(holdsMany(whole, { offset: 5000, limit: 10, positions: { superagentes: 'done' } }, DEPTH)).toBe(false);
  });

  it('a vendor read whole is heavy on any page, first pages and cursors included', () => {
    const mixed = plans(['siteassist', 'superagentes']);
    expect(mixed.map((p) => p.mode)).toEqual(['ordered', 'whole']);
    expect(holdsMany(mixed, { offset: 0, limit: 10 }, DEPTH)).toBe(true);
    expect(holdsMany(mixed, { offset: 40, limit: 10, positions: { siteassist: { token: 40, skip: 0 }, superagentes: { token: 40, skip: 0 } } }, DEPTH)).toBe(true);
  });

  it('served from its mirror, the same vendor is light; skipped, empty or known too large, it is not read at all', () => {
    const mirrored = plans(['superagentes'], new Map([['superagentes', ready]]));
    expect(mirrored[0]!.mode).toBe('mirror');
    expect(holdsMany(mirrored, { offset: 1000, limit: 10 }, DEPTH)).toBe(false);
    const [whole] = plans(['superagentes']);
    for (const p of [{ ...whole!, action: 'skip' as const }, { ...whole!, action: 'empty' as const }, { ...whole!, tooLarge: 'more than 5000 items' }]) {
      expect(holdsMany([p], { offset: 0, limit: 10 }, DEPTH)).toBe(false);
    }
  });
});
