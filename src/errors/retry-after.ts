/**
 * Retry-After, both ways. Read from vendors (the header, or whatever a vendor's `errors.retryAfter` path
 * points at in its body) by one defensive parser; written to callers only as a finite whole number of
 * seconds. A vendor that says "99999999999999" or a 400-digit number means "a long time", not "forever":
 * the caller of the parser caps it (`upstream.maxRetryAfterMs`), and nothing here can yield Infinity, NaN
 * or a time past the Date range.
 */

/** The longest wait any Retry-After we send may say (a day): far beyond every cap we configure. */
export const MAX_RETRY_AFTER_SECONDS = 86_400;

// RFC 9110 §5.6.7: IMF-fixdate, plus the two obsolete forms a recipient must still accept.
const IMF_FIXDATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const RFC850 = /^(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \d{2}-(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)-\d{2} \d{2}:\d{2}:\d{2} GMT$/;
const ASCTIME = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/;
// A body may carry the instant to come back at as ISO 8601; only with an explicit offset (no local time).
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
// More digits than this and Number() has lost the value's meaning (or turned it into Infinity) anyway.
const MAX_EXACT_DIGITS = 15;

export interface ParseRetryAfterOptions {
  /** For HTTP dates: the instant the answer came (epoch ms; default: now). */
  now?: number;
  /** Longest wait returned: anything longer (up to "forever") is this (default: a day). */
  maxSeconds?: number | undefined;
}

/**
 * Whole seconds to wait, from delta-seconds (a number or a string of digits, fractions rounded up), an HTTP
 * date or an ISO 8601 instant, at most `maxSeconds`; null when there is no usable value (absent, negative,
 * not a number or date).
 */
export function parseRetryAfter(v: unknown, opts: ParseRetryAfterOptions = {}): number | null {
  const max = Math.max(0, Math.floor(finiteOr(opts.maxSeconds, MAX_RETRY_AFTER_SECONDS)));
  const seconds = rawSeconds(v, opts.now ?? Date.now());
  return seconds === null ? null : Math.min(max, seconds);
}

/** Unbounded whole seconds (Infinity for "longer than we can count"), or null. */
function rawSeconds(v: unknown, now: number): number | null {
  if (typeof v === 'number') {
    // JSON.parse turns a 400-digit number into Infinity: a very long wait, which the cap bounds.
    if (Number.isNaN(v) || v < 0) return null;
    return v === Infinity ? Infinity : Math.ceil(v);
  }
  if (typeof v !== 'string') return null;
  const s = v.trim();
  if (s === '') return null;
  const digits = /^(\d+)(?:\.(\d+))?$/.exec(s);
  if (digits) {
    const whole = digits[1]!.replace(/^0+(?=\d)/, '');
    if (whole.length > MAX_EXACT_DIGITS) return Infinity;
    return Math.ceil(Number(s));
  }
  let at: number;
  if (IMF_FIXDATE.test(s) || RFC850.test(s) || ISO_INSTANT.test(s)) at = Date.parse(s);
  else if (ASCTIME.test(s)) at = Date.parse(`${s} GMT`);
  // Anything else (Date.parse would read "-3" or "abc 7" as some date in 2001) is no value.
  else return null;
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

/**
 * The Retry-After value to send for a wait of `seconds`: a whole number from 1 to a day, whatever the
 * input (a fraction, 0, NaN, Infinity), so no client ever reads `Infinity` or `0.5` there.
 */
export function retryAfterHeader(seconds: number): string {
  if (Number.isNaN(seconds) || seconds <= 0) return '1';
  return String(Math.min(MAX_RETRY_AFTER_SECONDS, Math.ceil(seconds)));
}

function finiteOr(v: number | undefined, fallback: number): number {
  return v !== undefined && Number.isFinite(v) ? v : fallback;
}
