/** Per-client vendor restriction, as pure functions: what a request may read, and which cursors a client may follow. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors/gateway-error.js';
import { allowedVendors, checkCursorVendors, forbiddenVendors, requestedVendors } from '../../src/inbound/vendors.js';

const ALL = ['uncodie', 'superagentes', 'siteassist'];
const narrow = { id: 'narrow', vendors: ['siteassist', 'uncodie'] };

const forbidden = (f: () => unknown, detail: RegExp) => {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(GatewayError);
  expect((err as GatewayError).code).toBe('FORBIDDEN');
  expect((err as GatewayError).status).toBe(403);
  expect((err as GatewayError).message).toMatch(detail);
};

describe('allowedVendors', () => {
  it('leaves an unrestricted caller as it was: what it named, or [] (every enabled vendor)', () => {
    for (const client of [undefined, { id: 'full' }]) {
      expect(allowedVendors(client, undefined, ALL)).toEqual([]);
      expect(allowedVendors(client, [], ALL)).toEqual([]);
      expect(allowedVendors(client, ['superagentes'], ALL)).toEqual(['superagentes']);
    }
  });

  it('narrows a restricted client that names no vendor to its vendors among the enabled ones, in their order', () => {
    expect(allowedVendors(narrow, undefined, ALL)).toEqual(['uncodie', 'siteassist']);
    expect(allowedVendors(narrow, [], ALL)).toEqual(['uncodie', 'siteassist']);
    expect(allowedVendors(narrow, undefined, ['siteassist', 'superagentes'])).toEqual(['siteassist']);
  });

  it('passes a restricted client its own vendors', () => {
    expect(allowedVendors(narrow, ['siteassist'], ALL)).toEqual(['siteassist']);
    expect(allowedVendors(narrow, ['uncodie', 'siteassist'], ALL)).toEqual(['uncodie', 'siteassist']);
  });

  it('refuses a restricted client naming another vendor with 403 naming every one', () => {
    forbidden(() => allowedVendors(narrow, ['superagentes'], ALL), /^client narrow may not read vendor superagentes$/);
    forbidden(() => allowedVendors(narrow, ['siteassist', 'superagentes', 'acme'], ALL), /^client narrow may not read vendors superagentes, acme$/);
  });

  it('never returns [] (which means every vendor) for a restricted client: none enabled is a 403', () => {
    forbidden(() => allowedVendors(narrow, undefined, ['superagentes']), /may read none of the enabled vendors/);
    forbidden(() => allowedVendors({ id: 'empty', vendors: [] }, undefined, ALL), /may read none/);
  });

  it('property: a restricted client only ever reaches its own vendors, and never gets []', () => {
    const name = fc.constantFrom<string>('a', 'b', 'c', 'd', 'e');
    fc.assert(
      fc.property(fc.uniqueArray(name), fc.option(fc.uniqueArray(name), { nil: undefined }), fc.uniqueArray(name), (mine, requested, all) => {
        const client = { id: 'x', vendors: mine };
        let out: string[];
        try {
          out = allowedVendors(client, requested, all);
        } catch (e) {
          expect((e as GatewayError).code).toBe('FORBIDDEN');
          const asked = requested?.length ? requested : undefined;
          // Refused only when it asked for a vendor not its own, or none of its own is enabled.
          expect(asked ? asked.some((v) => !mine.includes(v)) : !all.some((v) => mine.includes(v))).toBe(true);
          return;
        }
        expect(out.length).toBeGreaterThan(0);
        expect(out.every((v) => mine.includes(v))).toBe(true);
      }),
    );
  });
});

describe('checkCursorVendors', () => {
  it('lets an unrestricted caller follow any cursor', () => {
    expect(() => checkCursorVendors(undefined, [], ALL)).not.toThrow();
    expect(() => checkCursorVendors({ id: 'full' }, ['uncodie'], ALL)).not.toThrow();
  });

  it('lets a restricted client follow a cursor over its own vendors', () => {
    expect(() => checkCursorVendors(narrow, ['siteassist'], ALL)).not.toThrow();
    expect(() => checkCursorVendors(narrow, ['uncodie', 'siteassist'], ALL)).not.toThrow();
    // [] is every enabled vendor: fine when those are all the client's.
    expect(() => checkCursorVendors(narrow, [], ['siteassist'])).not.toThrow();
  });

  it("refuses a restricted client a cursor that reaches another client's vendors", () => {
    forbidden(() => checkCursorVendors(narrow, ['superagentes', 'siteassist'], ALL), /^this cursor reads vendor superagentes, which client narrow may not read$/);
    forbidden(() => checkCursorVendors(narrow, [], ALL), /reads vendor superagentes/);
  });
});

describe('requestedVendors and forbiddenVendors', () => {
  it('splits every vendor parameter like the query schema does', () => {
    expect(requestedVendors(undefined)).toBeUndefined();
    expect(requestedVendors([''])).toBeUndefined();
    expect(requestedVendors([' a, b,,a', 'c'])).toEqual(['a', 'b', 'c']);
  });

  it('names the requested vendors a client may not read', () => {
    expect(forbiddenVendors(undefined, ['x'])).toEqual([]);
    expect(forbiddenVendors({ id: 'full' }, ['x'])).toEqual([]);
    expect(forbiddenVendors(narrow, undefined)).toEqual([]);
    expect(forbiddenVendors(narrow, ['siteassist', 'x', 'superagentes'])).toEqual(['x', 'superagentes']);
  });
});
