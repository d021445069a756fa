/** Vendor timestamps (ISO, Unix seconds, Unix ms) → epoch ms, and epoch ms → the formats vendors take. */
export type TimeFormat = 'auto' | 'iso' | 'unix' | 'unixMs';

/** Sentinel for "present but unreadable": the item is dropped rather than mis-sorted. */
export const BAD_TIME = Symbol('bad-time');

const HAS_ZONE = /(Z|[+-]\d\d:?\d\d)$/i;
const NUMERIC = /^-?\d+(\.\d+)?$/;
// Unix seconds stay below this until the year 5138; ms values for any date after 1973 are above it.
const SECONDS_CEILING = 1e11;

// The largest instant a Date holds (ECMA-262: ±100,000,000 days from 1970). Past it, toISOString throws.
export const MAX_INSTANT = 8.64e15;

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const digits = (s: string, at: number, n: number): number => {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
};

/**
 * The instant of `YYYY-MM-DDTHH:MM:SS[.f{1,3}]Z` with every part in its range (a real calendar day, years
 * 1000–9999), or undefined for anything else, which Date.parse then reads. What vendors send most; Date.parse
 * was the largest share of a whole-read vendor's mapping in the profile (several instants per item). For the
 * strings it takes it equals Date.parse (test/dialect/time.test.ts compares them over generated strings).
 */
function plainUtcIso(s: string): number | undefined {
  const n = s.length;
  if (n !== 20 && (n < 22 || n > 24)) return undefined;
  if (s.charCodeAt(n - 1) !== 90 || s[4] !== '-' || s[7] !== '-' || s[10] !== 'T' || s[13] !== ':' || s[16] !== ':') return undefined;
  const y = digits(s, 0, 4);
  const mo = digits(s, 5, 2);
  const d = digits(s, 8, 2);
  const h = digits(s, 11, 2);
  const mi = digits(s, 14, 2);
  const sec = digits(s, 17, 2);
  let ms = 0;
  if (n > 20) {
    if (s[19] !== '.') return undefined;
    const frac = digits(s, 20, n - 21);
    if (frac < 0) return undefined;
    ms = n === 22 ? frac * 100 : n === 23 ? frac * 10 : frac;
  }
  if (y < 1000 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59) return undefined;
  const leap = mo === 2 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  if (d > DAYS[mo - 1]! + (leap ? 1 : 0)) return undefined;
  return Date.UTC(y, mo - 1, d, h, mi, sec, ms);
}

function parseIso(s: string): number | typeof BAD_TIME {
  const plain = plainUtcIso(s);
  if (plain !== undefined) return plain;
  // A zone-less ISO string is UTC by our contract; Date.parse would read it as local time.
  const text = s.includes('T') && !HAS_ZONE.test(s) ? `${s}Z` : s;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? BAD_TIME : ms;
}

/** An instant a Date can hold, or BAD_TIME: a number past the range would make the item unprintable. */
const inRange = (ms: number): number | typeof BAD_TIME => (Math.abs(ms) <= MAX_INSTANT ? ms : BAD_TIME);

export function compileTimeParser(format: TimeFormat): (v: unknown) => number | null | typeof BAD_TIME {
  return (v) => {
    if (v === undefined || v === null || v === '') return null;
    let n: number | undefined;
    if (typeof v === 'number') n = v;
    else if (typeof v === 'string') {
      const t = v.trim();
      // Number() first: an ISO string is NaN there at once, sparing it the pattern (which every number it
      // matches passes), a visible cost per item and time field in the profile.
      if (!Number.isNaN(Number(t)) && NUMERIC.test(t)) n = Number(t);
      else return format === 'unix' || format === 'unixMs' ? BAD_TIME : parseIso(t);
    } else return BAD_TIME;
    if (!Number.isFinite(n)) return BAD_TIME;
    if (format === 'iso') return BAD_TIME;
    const seconds = format === 'unix' || (format === 'auto' && Math.abs(n) < SECONDS_CEILING);
    return inRange(Math.round(seconds ? n * 1000 : n));
  };
}

export type ParamTimeFormat = 'iso' | 'isoSeconds' | 'date' | 'unix' | 'unixMs';

export function formatTimeParam(ms: number, format: ParamTimeFormat): string {
  switch (format) {
    case 'iso':
      return new Date(ms).toISOString();
    case 'isoSeconds':
      return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
    case 'date':
      return new Date(ms).toISOString().slice(0, 10);
    case 'unix':
      return String(Math.floor(ms / 1000));
    case 'unixMs':
      return String(ms);
  }
}

const P2 = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const P3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
// 9999-12-31T23:59:59.999Z: past it (and before 1970) toISOString's own form is used.
const LAST_FOUR_DIGIT_YEAR = 253402300799999;

/**
 * `new Date(ms).toISOString()` without the Date: every shown conversation has four or five instants, and
 * the Date and its native formatting were a visible share of a page's CPU. Whole ms from 1970 to 9999 are
 * formatted here (days to a civil date as in H. Hinnant's `civil_from_days`); anything else by toISOString.
 * The strings are equal (test/dialect/time.test.ts compares them over generated instants).
 */
export function isoOf(ms: number): string {
  if (!(ms >= 0 && ms <= LAST_FOUR_DIGIT_YEAR) || !Number.isInteger(ms)) return new Date(ms).toISOString();
  const days = Math.floor(ms / 86_400_000);
  let rem = ms - days * 86_400_000;
  // Days since 0000-03-01, in 400-year eras: March first, so a leap day ends its year.
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  const h = Math.floor(rem / 3_600_000);
  rem -= h * 3_600_000;
  const mi = Math.floor(rem / 60_000);
  rem -= mi * 60_000;
  const s = Math.floor(rem / 1000);
  return `${P2[Math.floor(y / 100)]}${P2[y % 100]}-${P2[m]}-${P2[d]}T${P2[h]}:${P2[mi]}:${P2[s]}.${P3[rem - s * 1000]}Z`;
}
