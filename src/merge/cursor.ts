/**
 * nextCursor: opaque, stateless and signed. It carries the query shape, the last item's sort key, the
 * offset reached and each vendor's resume position, so page N+1 costs what page 1 costs and works on any
 * replica that shares CURSOR_SECRET. Format: base64url(JSON) "." base64url(HMAC-SHA256).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Missed, QueryShape, SortKey, VendorPosition } from '../model/query.js';

/** The longest cursor a request may send, so the longest this gateway may issue. */
export const MAX_CURSOR_LENGTH = 8192;

export interface CursorState {
  query: QueryShape;
  after: SortKey;
  /** Offset of the next page in the merged order (for the response's `offset`). */
  offset: number;
  /** Page size, reused when the caller doesn't send `limit` with the cursor. */
  limit: number;
  /** Per vendor: where to resume, or 'done' when nothing is left after `after`. */
  positions: Record<string, VendorPosition | 'done'>;
  /** Vendors' totals seen so far, reused for vendors that are done. */
  totals: Record<string, number | null>;
  /** Per mirrored vendor, the snapshot the walk reads to its end. */
  snapshots?: Record<string, { mirror: number; rev: number }>;
  /** Per vendor, the items this (best-effort) walk has skipped so far. */
  missed?: Record<string, Missed>;
  /** Issued at, epoch seconds. */
  iat: number;
}

export class CursorError extends Error {}

export interface CursorCodec {
  encode(state: Omit<CursorState, 'iat'>): string;
  decode(cursor: string): CursorState;
}

export function createCursorCodec(secret: string, ttlSeconds: number, now: () => number = Date.now): CursorCodec {
  const sign = (payload: string) => createHmac('sha256', secret).update(payload).digest();
  return {
    encode(state) {
      const payload = Buffer.from(JSON.stringify({ v: 1, ...state, iat: Math.floor(now() / 1000) })).toString('base64url');
      return `${payload}.${sign(payload).toString('base64url')}`;
    },
    decode(cursor) {
      const dot = cursor.indexOf('.');
      if (dot <= 0 || dot !== cursor.lastIndexOf('.')) throw new CursorError('is not a cursor this gateway issued');
      const payload = cursor.slice(0, dot);
      // Compare the signature's text, not its decoded bytes: base64 decoders ignore the spare low bits of
      // the last character, so several spellings would decode to the same bytes.
      const given = Buffer.from(cursor.slice(dot + 1));
      const expected = Buffer.from(sign(payload).toString('base64url'));
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw new CursorError('signature does not match (tampered, truncated, or signed with another secret)');
      }
      let state: CursorState & { v?: number };
      try {
        state = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      } catch {
        throw new CursorError('payload is unreadable');
      }
      if (state.v !== 1 || typeof state.iat !== 'number' || !state.query || !state.after) throw new CursorError('is from an unknown version');
      if (now() / 1000 - state.iat > ttlSeconds) throw new CursorError(`expired (cursors live ${ttlSeconds} s)`);
      return state;
    },
  };
}
