/**
 * One walk over a vendor's pages, guarded against a vendor that loops. Paging ends when the vendor says so
 * (no next cursor, a short page, the total reached); a vendor that hands back a token we already asked for,
 * or that ignores our paging parameter and sends the same page again, would never say so, and each of its
 * answers is a call. Every reader that pages — lazy reads, whole reads, the mirror's sync — walks through
 * one of these, so such a vendor fails at once instead of being called without end.
 */
import { failure } from './errors.js';
import type { Paging, Token } from './paging.js';

type PaginationStyle = Paging['style'];
import { UpstreamError } from '../upstream/client.js';

export class PageWalk {
  private readonly asked = new Set<string>();
  /** The ids of the page that arrived last. */
  private previous: ReadonlySet<string> | null = null;
  private pages = 0;

  constructor(
    private readonly vendor: string,
    private readonly style: PaginationStyle,
  ) {}

  /**
   * Before asking for a page: a vendor's cursor asked for before on this walk means the vendor is looping.
   * (Offsets and page numbers are ours and only grow; a vendor that ignores them is caught by `arrived`.)
   */
  ask(token: Token): void {
    if (this.style !== 'cursor') return;
    const key = token === null ? 'first' : String(token);
    if (this.asked.has(key)) {
      throw looping(`${this.vendor} sent a next-page token it had sent before (after ${this.pages} pages): its paging loops`);
    }
    this.asked.add(key);
  }

  /**
   * After a page arrived, with its items' ids (null for an item that could not be mapped). A page whose
   * every item was on the page before brings nothing new: the vendor ignored where we asked it to go on.
   * A page of unmappable items alone proves nothing (the caps on items read bound those).
   */
  arrived(ids: Iterable<string | null>): void {
    this.pages++;
    const current = new Set<string>();
    let fresh = false;
    for (const id of ids) {
      if (id === null) continue;
      current.add(id);
      if (!this.previous?.has(id)) fresh = true;
    }
    if (current.size > 0 && !fresh) {
      throw looping(`page ${this.pages} of ${this.vendor} brought nothing new (every item on it was on the page before): it ignores where we asked it to go on`);
    }
    if (current.size > 0) this.previous = current;
  }
}

const looping = (message: string) => new UpstreamError(failure('UPSTREAM_INVALID_RESPONSE', message, { upstreamStatus: 200 }));
