/** Retry-After read defensively (every form a vendor's header or body can carry) and written as a sane whole number. */
import { describe, expect, it } from 'vitest';
import { MAX_RETRY_AFTER_SECONDS, parseRetryAfter, retryAfterHeader } from '../../src/errors/retry-after.js';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const cap = { now: NOW, maxSeconds: 300 };

describe('parseRetryAfter', () => {
  it.each([
    ['delta-seconds', '120', 120],
    ['delta-seconds with spaces', ' 45 ', 45],
    ['leading zeros', '007', 7],
    ['a fraction, rounded up', '1.2', 2],
    ['a number in a JSON body', 30, 30],
    ['a fractional number in a body', 0.4, 1],
    ['zero', '0', 0],
    ['IMF-fixdate', 'Wed, 01 May 2024 12:01:00 GMT', 60],
    ['RFC 850 date', 'Wednesday, 01-May-24 12:00:30 GMT', 30],
    ['asctime date (GMT by definition)', 'Wed May  1 12:00:10 2024', 10],
    ['ISO 8601 instant in a body', '2024-05-01T12:02:00Z', 120],
    ['ISO 8601 with an offset', '2024-05-01T14:00:20+02:00', 20],
    ['a date in the past', 'Wed, 01 May 2024 11:00:00 GMT', 0],
  ])('%s: %j → %j', (_, v, want) => {
    expect(parseRetryAfter(v, cap)).toBe(want);
  });

  it.each([
    ['absent', undefined],
    ['null', null],
    ['empty', ''],
    ['negative', '-3'],
    ['a negative number', -3],
    ['NaN', Number.NaN],
    ['garbage Date.parse would read as 2001', 'abc 7'],
    ['an ISO date without an offset (local time: unknowable)', '2024-05-01T12:02:00'],
    ['a boolean', true],
    ['an object', { seconds: 5 }],
    ['an impossible date', 'Wed, 99 May 2024 12:01:00 GMT'],
  ])('%s is no value', (_, v) => {
    expect(parseRetryAfter(v, cap)).toBeNull();
  });

  it.each([
    ['a Retry-After of 99999999999999', '99999999999999'],
    ['a 400-digit Retry-After header', '9'.repeat(400)],
    ['a 400-digit number in a body (JSON.parse makes it Infinity)', JSON.parse('9'.repeat(400)) as number],
    ['a huge fraction', `${'9'.repeat(400)}.5`],
    ['the largest double', Number.MAX_VALUE],
    ['an HTTP date in the year 9999', 'Fri, 31 Dec 9999 23:59:59 GMT'],
  ])('%s is capped at maxSeconds', (_, v) => {
    expect(parseRetryAfter(v, cap)).toBe(300);
  });

  it('without a cap, no value is longer than a day, and every value is a finite whole number', () => {
    for (const v of ['99999999999999', '9'.repeat(400), Infinity, 1e300, '3.0000001']) {
      const s = parseRetryAfter(v, { now: NOW });
      expect(Number.isInteger(s)).toBe(true);
      expect(s).toBeLessThanOrEqual(MAX_RETRY_AFTER_SECONDS);
    }
  });
});

describe('retryAfterHeader', () => {
  it.each([
    [30, '30'],
    [0.2, '1'],
    [1.5, '2'],
    [0, '1'],
    [-4, '1'],
    [Number.NaN, '1'],
    [Infinity, String(MAX_RETRY_AFTER_SECONDS)],
    [1e17, String(MAX_RETRY_AFTER_SECONDS)],
  ])('%s s is sent as %s', (s, want) => {
    expect(retryAfterHeader(s)).toBe(want);
  });
});
