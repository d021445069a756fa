/** Small helpers the vendor simulators share. Vendor dialects stay in their own files. */
import type { IncomingHttpHeaders } from 'node:http';

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(headers: IncomingHttpHeaders): string | null {
  const m = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '');
  return m?.[1]?.trim() ?? null;
}

/**
 * FNV-1a over a string. Per-row quirks (extra fields, optional fields) are keyed on the record's id, so a
 * test oracle that sees only the record can tell which rows carry them, whatever page they land on.
 */
export function stableHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** A query parameter, with an empty value treated as absent (as the vendors' frameworks do). */
export function param(q: URLSearchParams, name: string): string | null {
  const v = q.get(name);
  return v === null || v === '' ? null : v;
}
