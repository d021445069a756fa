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
});
