import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BAD_TIME, compileTimeParser, isoOf } from '../../src/dialect/time.js';

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

  it('an ISO instant reads as Date.parse reads it: the plain UTC form it reads itself, and every near miss (a bad day, hour or digit) it leaves to Date.parse', () => {
    const parse = compileTimeParser('iso');
    // The reading before the plain-UTC fast path, as the reference.
    const reference = (s: string) => {
      const t = s.trim();
      const ms = Date.parse(t.includes('T') && !/(Z|[+-]\d\d:?\d\d)$/i.test(t) ? `${t}Z` : t);
      return Number.isNaN(ms) ? BAD_TIME : ms;
    };
    const instant = fc.date({ min: new Date('0900-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }).map((d) => d.toISOString());
    // Without the fraction, or with 1 or 2 of its digits: forms vendors send.
    const form = fc.tuple(instant, fc.integer({ min: 0, max: 3 })).map(([s, keep]) => (keep === 3 ? s : keep === 0 ? s.replace(/\.\d{3}Z$/, 'Z') : s.replace(/(\.\d{${keep}})\d*Z$/, '$1Z')));
    // One character replaced: a month 13, a day 31 in April, hour 24, a letter for a digit, a lower-case z...
    const nearMiss = fc.tuple(form, fc.nat(), fc.constantFrom(...'0123456789-:.TZzx+ '.split(''))).map(([s, at, c]) => {
      const i = at % s.length;
      return s.slice(0, i) + c + s.slice(i + 1);
    });
    const calendarEdges = fc.tuple(fc.integer({ min: 1000, max: 2400 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 25 })).map(
      ([y, m, d, h]) => `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:00:00Z`,
    );
    fc.assert(
      fc.property(fc.oneof(form, nearMiss, calendarEdges, fc.string()), (s) => {
        if (s.trim() === '' || !Number.isNaN(Number(s.trim()))) return; // empty or numeric: not an ISO string
        expect(parse(s)).toBe(reference(s));
      }),
      { numRuns: 20_000 },
    );
  });

  it('an instant is shown exactly as toISOString shows it: every whole ms of 1970-9999 and the leap days, and whatever it leaves to toISOString (before 1970, past 9999, fractions, the Date range edges)', () => {
    const same = (ms: number) => expect(isoOf(ms), String(ms)).toBe(new Date(ms).toISOString());
    fc.assert(fc.property(fc.integer({ min: 0, max: 253402300799999 }), (ms) => void same(ms)), { numRuns: 20_000 });
    fc.assert(fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 }), (ms) => void same(ms)), { numRuns: 5_000 });
    fc.assert(fc.property(fc.double({ min: -8.64e15, max: 8.64e15, noNaN: true }), (ms) => void same(ms)), { numRuns: 5_000 });
    for (const day of ['1972-02-29', '2000-02-29', '2024-02-29', '2100-03-01', '2400-02-29', '9999-12-31']) {
      const start = Date.parse(`${day}T00:00:00.000Z`);
      for (const ms of [start - 1, start, start + 86_399_999, start + 86_400_000]) same(ms);
    }
    for (const ms of [0, -1, 253402300799999, 253402300800000, 8.64e15, -8.64e15, 0.5, 1.999]) same(ms);
  });
});

