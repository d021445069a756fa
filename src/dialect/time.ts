/** Vendor timestamps (ISO, Unix seconds, Unix ms) → epoch ms, and epoch ms → the formats vendors take. */
export type TimeFormat = 'auto' | 'iso' | 'unix' | 'unixMs';

/** Sentinel for "present but unreadable": the item is dropped rather than mis-sorted. */
export const BAD_TIME = Symbol('bad-time');

const HAS_ZONE = /(Z|[+-]\d\d:?\d\d)$/i;
const NUMERIC = /^-?\d+(\.\d+)?$/;
// Unix seconds stay below this until the year 5138; ms values for any date after 1973 are above it.
const SECONDS_CEILING = 1e11;

// The largest instant a Date holds (ECMA-262: ±100,000,000 days from 1970). Past it, toISOString throws.
const MAX_INSTANT = 8.64e15;

function parseIso(s: string): number | typeof BAD_TIME {
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
