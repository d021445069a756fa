/**
 * The mirror sync reads a vendor without filters: it must send every filter's whenAbsent parameters, or a
 * vendor that answers one status unless told (Woot: open only unless status=all) is copied in part.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DIALECT_VENDORS, type VendorUnderTest } from '../helpers/harness.js';
import { mirrorRig, type Rig } from './rig.js';

const woot = DIALECT_VENDORS.find((v) => v.name === 'woot')! satisfies VendorUnderTest;
const data = woot.module.demoData(9, 60);
const closed = data.filter((c) => c.status === 'closed').length;

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const statuses = (r: Rig, from = 0) => r.sim.calls.slice(from).map((c) => c.query.get('status'));

describe('mirror sync: whenAbsent', () => {
  it('a full read sends status=all on every page and copies every conversation, closed ones included', async () => {
    expect(closed).toBeGreaterThan(0);
    rig = await mirrorRig(woot, data, { edit: (v) => (v.mirror = { strategy: 'full' }) });
    const full = await rig.full();
    expect(full).toMatchObject({ kind: 'full', calls: 3, items: data.length, error: null });
    expect(statuses(rig)).toEqual(['all', 'all', 'all']);
    expect(await rig.meta()).toMatchObject({ ready: true, rows: data.length });
  });

  it('a head pass (first pages) sends it too', async () => {
    rig = await mirrorRig(woot, data, { edit: (v) => (v.mirror = { strategy: 'head', headPages: 1 }) });
    await rig.full();
    const before = rig.sim.calls.length;
    expect(await rig.frequent()).toMatchObject({ kind: 'head', calls: 1, error: null });
    expect(statuses(rig, before)).toEqual(['all']);
  });

  it('an incremental pass by a time filter sends that filter and every other filter\'s whenAbsent', async () => {
    // Woot takes no update-time filter; one configured here shows what the pass sends beside it (the
    // simulator ignores a parameter it doesn't know, as the vendor does).
    rig = await mirrorRig(woot, data, {
      edit: (v) => {
        v.request.filters.updatedAfter = { param: 'updated_since', format: 'unix' };
        v.mirror = { strategy: 'incremental' };
      },
    });
    await rig.full();
    const before = rig.sim.calls.length;
    expect(await rig.frequent()).toMatchObject({ kind: 'incremental', error: null });
    const calls = rig.sim.calls.slice(before);
    expect(calls.length).toBeGreaterThan(0);
    for (const c of calls) {
      expect(c.query.get('status')).toBe('all');
      expect(c.query.get('updated_since')).toMatch(/^\d+$/);
    }
  });
});
