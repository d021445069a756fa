/**
 * A list page serialized once. The body and the ETag's input both contain the page's items; stringifying
 * the items once and splicing them into both saves the second JSON.stringify of every item, the largest
 * part of both. The bytes are exactly JSON.stringify's: the items go where a placeholder string was.
 */
import type { ListResult } from './list.js';

// A string no item can make the page print before the items: `data` follows only `"object":"list"` in the
// body and comes first in the ETag's input, so the first occurrence is always the placeholder.
const HOLE = JSON.stringify('\u0000switchboard-page-data\u0000');
const PLACEHOLDER = JSON.parse(HOLE) as string;

function fill(json: string, data: string): string {
  const at = json.indexOf(HOLE);
  return json.slice(0, at) + data + json.slice(at + HOLE.length);
}

export interface PageJson {
  /** The response body: JSON.stringify(page). */
  body: string;
  /** What the ETag covers (what the page says, not how it was fetched: latencies, cursor timestamps). */
  stable: string;
}

export function pageJson(r: ListResult): PageJson {
  const data = JSON.stringify(r.data);
  // The spread keeps every key where it was, `data` included.
  const body = fill(JSON.stringify({ ...r, data: PLACEHOLDER }), data);
  const stable = fill(JSON.stringify({ data: PLACEHOLDER, total: r.total, hasMore: r.hasMore, partial: r.partial, sources: r.sources.map((s) => [s.vendor, s.status, s.error?.code]) }), data);
  return { body, stable };
}
