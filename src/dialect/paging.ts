/**
 * The four pagination styles, as one small interface the fan-out drives without knowing which it has.
 * A token says which page to ask for: an offset, a page number, the vendor's cursor, or nothing.
 */
import type { PaginationConfig } from '../config/vendor-schema.js';
import type { VendorPosition } from '../model/query.js';
import { DialectError } from './fields.js';

export type Token = string | number | null;

export interface PageFacts {
  count: number;
  total: number | null;
  nextCursor: string | null;
  hasMore: boolean | null;
}

export interface Paging {
  readonly style: PaginationConfig['style'];
  /** Largest page the vendor serves; Infinity when it answers with everything at once. */
  readonly maxPageSize: number;
  /** Fewest items the vendor takes in one request (1 unless `minPageSize` says more). */
  readonly minPageSize: number;
  /** Whether a page's size may change from one request to the next (page numbers pin it). */
  readonly fixedSize: boolean;
  first(): Token;
  /** Query parameters (and the `{page}` path value) for one page. */
  params(token: Token, size: number): { query: [string, string][]; pathPage?: string };
  /** The token of the page after this one, or undefined when this was the last page. */
  next(token: Token, size: number, facts: PageFacts): Token | undefined;
  /** Where to resume so that the item at `index` of the page fetched with `token` comes first. */
  position(token: Token, size: number, index: number): VendorPosition;
}

/** The size one request asks for: within the vendor's bounds, whatever the caller wanted. */
export const pageSizeFor = (paging: Paging, want: number): number => Math.max(paging.minPageSize, Math.min(want, paging.maxPageSize));

export function compilePaging(p: PaginationConfig): Paging {
  const min = p.style === 'none' ? 1 : (p.minPageSize ?? 1);
  if (p.style !== 'none') {
    const max = p.style === 'page' ? (p.fixedPageSize ?? p.maxPageSize) : p.maxPageSize;
    if (min > max) throw new DialectError('request.pagination.minPageSize', `${min} is more than the page size ${max}`);
    // Without a size sent, the vendor's page size is its own: a page shorter than what we asked says nothing.
    if (p.style === 'cursor' && p.end === 'short' && !p.limitParam) throw new DialectError('request.pagination.end', '`short` needs a limitParam: without one the size asked is not sent');
  }
  // Offset paging always knew a short page ends the list; the others end on an empty page unless told.
  const shortEnds = p.style !== 'none' && (p.end ?? (p.style === 'offset' ? 'short' : 'empty')) === 'short';
  switch (p.style) {
    case 'offset':
      return {
        style: p.style,
        maxPageSize: p.maxPageSize,
        minPageSize: min,
        fixedSize: false,
        first: () => 0,
        params: (token, size) => ({ query: [[p.limitParam, String(size)], [p.offsetParam, String(token ?? 0)]] }),
        next: (token, size, f) => {
          const end = Number(token ?? 0) + f.count;
          if (f.count === 0 || (shortEnds && f.count < size) || f.hasMore === false || (f.total !== null && end >= f.total)) return undefined;
          return end;
        },
        // Offsets resume exactly at any item: no need to re-read a page prefix.
        position: (token, _size, index) => ({ token: Number(token ?? 0) + index, skip: 0 }),
      };
    case 'page':
      return {
        style: p.style,
        maxPageSize: p.fixedPageSize ?? p.maxPageSize,
        minPageSize: min,
        fixedSize: true,
        first: () => p.firstPage,
        params: (token, size) => {
          const query: [string, string][] = [];
          if (p.pageParam) query.push([p.pageParam, String(token)]);
          if (p.sizeParam) query.push([p.sizeParam, String(size)]);
          return p.pageParam ? { query } : { query, pathPage: String(token) };
        },
        next: (token, size, f) => {
          if (f.count === 0 || f.hasMore === false || (shortEnds && f.count < size)) return undefined;
          const seen = (Number(token) - p.firstPage + 1) * size;
          if (f.total !== null && seen >= f.total) return undefined;
          return Number(token) + 1;
        },
        position: (token, size, index) => ({ token, skip: index, size }),
      };
    case 'cursor':
      return {
        style: p.style,
        maxPageSize: p.maxPageSize,
        minPageSize: min,
        fixedSize: false,
        first: () => null,
        params: (token, size) => {
          const query: [string, string][] = [];
          if (token !== null) query.push([p.cursorParam, String(token)]);
          if (p.limitParam) query.push([p.limitParam, String(size)]);
          return { query };
        },
        next: (_token, size, f) => (f.count === 0 || f.hasMore === false || (shortEnds && f.count < size) || !f.nextCursor ? undefined : f.nextCursor),
        position: (token, size, index) => ({ token, skip: index, size }),
      };
    case 'none':
      return {
        style: p.style,
        maxPageSize: Number.POSITIVE_INFINITY,
        minPageSize: 1,
        fixedSize: true,
        first: () => null,
        params: () => ({ query: [] }),
        next: () => undefined,
        position: (_token, _size, index) => ({ token: null, skip: index }),
      };
  }
}
