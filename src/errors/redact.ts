/**
 * What a vendor says reaches callers and logs only through here. Vendors echo what we sent (a debugging
 * endpoint, a proxy's error page, an error message that quotes the request), so every string taken from a
 * vendor — messages, codes, body snippets — is redacted of every secret we configured for it, whole, and
 * only then cut: a secret straddling a cut can't leave its prefix behind. Our own messages name the vendor
 * and the path, never its host (the full URL is for logs).
 */
import type { VendorFailure } from './gateway-error.js';

/** Longest vendor-derived message shown. */
export const MAX_MESSAGE = 300;
/** Longest vendor error code shown (a code is a word; anything longer is not one). */
export const MAX_CODE = 64;

export const REDACTED = '[REDACTED]';

/** Redacts every secret of one vendor from a text; compiled once per vendor. */
export type Redactor = (text: string) => string;

/**
 * Every occurrence of each secret, raw and URL-encoded, becomes `[REDACTED]`; the longest first, so a
 * secret that contains another is replaced whole. Strings under 4 characters are not searched for: they
 * would garble every message and protect nothing.
 */
export function compileRedactor(secrets: readonly string[]): Redactor {
  const list = [...new Set(secrets.flatMap((s) => [s, encodeURIComponent(s)]))].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  if (list.length === 0) return (t) => t;
  return (text) => {
    let out = text;
    for (const s of list) if (out.includes(s)) out = out.replaceAll(s, REDACTED);
    return out;
  };
}

/** Redact first, then cut to `max` characters. */
export function clip(text: string, redact: Redactor, max = MAX_MESSAGE): string {
  return redact(text).slice(0, max);
}

/** How one vendor is named where callers see it: its name instead of its origin (scheme, host, port). */
export interface VendorIdentity {
  name: string;
  /** `http://host:port`, or '' for a vendor not configured to be called. */
  origin: string;
}

/**
 * A vendor failure as it leaves for a caller (sources[].error, errors[], /vendors, logs): its message and
 * code redacted whole and then cut, and the vendor's origin and host replaced by its name, whichever layer
 * wrote the message. Idempotent.
 */
export function scrubFailure(f: VendorFailure, redact: Redactor, who: VendorIdentity): VendorFailure {
  const message = clip(hideHost(f.message, who), redact);
  const upstreamCode = f.upstreamCode === null ? null : clip(f.upstreamCode, redact, MAX_CODE);
  return message === f.message && upstreamCode === f.upstreamCode ? f : { ...f, message, upstreamCode };
}

function hideHost(text: string, who: VendorIdentity): string {
  if (who.origin === '') return text;
  // `GET http://host:port/path` (as layers below the transport write it) becomes `<vendor> GET /path`.
  let out = text.replaceAll(`GET ${who.origin}`, `${who.name} GET `).replaceAll(who.origin, who.name);
  const { host, hostname } = new URL(who.origin);
  for (const h of new Set([host, hostname])) if (out.includes(h)) out = out.replaceAll(h, `${who.name}'s host`);
  return out;
}
