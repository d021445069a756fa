import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BAD_TIME, compileTimeParser } from '../../src/dialect/time.js';

describe('vendor timestamps', () => {
  it('a number past the Date range is unreadable (BAD_TIME: the item is dropped) in every numeric format, not an instant toISOString throws on', () => {
    for (const [format, huge] of [['auto', 1e17], ['unixMs', 1e17], ['unix', 1e14], ['auto', '1e17'], ['unixMs', '100000000000000000']] as const) {
      expect(compileTimeParser(format)(huge), `${format} ${huge}`).toBe(BAD_TIME);
    }
    // The edges of the range still read.
    expect(compileTimeParser('unixMs')(8.64e15)).toBe(8.64e15);
    expect(compileTimeParser('unix')(-8.64e12)).toBe(-8.64e15);
    expect(compileTimeParser('auto')(1_700_000_000)).toBe(1_700_000_000_000);
  });

  it('a string is read as a number exactly when it is digits (signed, with decimals), as the pattern alone decided; anything else as ISO', () => {
    // The reading before the Number() pre-check, kept here as the reference.
    const NUMERIC = /^-?\d+(\.\d+)?$/;
    const numericBefore = (v: string) => NUMERIC.test(v.trim());
    const chars = fc.constantFrom(...'0123456789-+.eExXTZz:, \t'.split(''), 'Infinity', 'NaN', '0x1F', '0b1', '0o7', '2024-05-01T10:00:00Z');
    const text = fc.oneof(fc.array(chars, { maxLength: 8 }).map((a) => a.join('')), fc.string(), fc.double().map(String), fc.integer().map(String));
    for (const format of ['auto', 'iso', 'unix', 'unixMs'] as const) {
      const parse = compileTimeParser(format);
      fc.assert(
        fc.property(text, (v) => {
          const got = parse(v);
          if (v.trim() === '' && v !== '') return; // blank: ISO path either way (Date.parse of '' is NaN)
          if (numericBefore(v)) {
            expect(got).toBe(parse(Number(v.trim())));
          } else if (format === 'unix' || format === 'unixMs') {
            if (v !== '') expect(got).toBe(BAD_TIME);
          } else if (v !== '') {
            const t = v.trim();
            const iso = Date.parse(t.includes('T') && !/(Z|[+-]\d\d:?\d\d)$/i.test(t) ? `${t}Z` : t);
            expect(got).toBe(Number.isNaN(iso) ? BAD_TIME : iso);
          }
        }),
        { numRuns: 2000 },
      );
    }
  });
});
