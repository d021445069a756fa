/**
 * What `search` and the id filters mean per configured vendor, said in the OpenAPI parameter descriptions.
 * Read from the compiled config, so a vendor added by YAML is described without code (and reloads update it).
 */
import type { CompiledVendor } from '../dialect/vendor.js';

export interface FilterNotes {
  search: string;
  /** Per id filter: which vendors require a strict UUID, and so make it a 400 otherwise. */
  leadId: string;
  visitorId: string;
  userId: string;
}

const LOCAL_SEARCH = 'checked here: a case-insensitive substring of the title, the contact (name, email, phone), the last message and every message the item carries';

export function filterNotes(vendors: readonly CompiledVendor[]): FilterNotes {
  const enabled = vendors.filter((v) => v.enabled);
  const pushed = enabled.filter((v) => v.filters.search.push && v.filters.search.spec?.recheck === false);
  const rechecked = enabled.filter((v) => v.filters.search.push && v.filters.search.spec?.recheck !== false);
  const local = enabled.filter((v) => !v.filters.search.push);
  const names = (vs: readonly CompiledVendor[]) => vs.map((v) => v.name).join(', ');
  const parts: string[] = [];
  if (pushed.length > 0) {
    const mirrored = pushed.filter((v) => v.mirror?.enabled).map((v) => v.name);
    parts.push(
      `${names(pushed)}: pushed to the vendor's own search, whose answer is trusted (it may look in text the gateway doesn't read, such as message text)` +
        (mirrored.length > 0 ? `; served from its mirror (${mirrored.join(', ')}), the same text is checked on the copy, every message included` : ''),
    );
  }
  if (rechecked.length > 0) parts.push(`${names(rechecked)}: pushed to the vendor to fetch less, then ${LOCAL_SEARCH}`);
  if (local.length > 0) parts.push(`${names(local)}: ${LOCAL_SEARCH}`);
  const uuid = (filter: 'leadId' | 'visitorId' | 'userId', what: string) => {
    const strict = enabled.filter((v) => v.filters[filter].spec?.format === 'uuid');
    const base = `${what}. Passed to vendors that support it, checked locally on the others.`;
    if (strict.length === 0) return base;
    // A vendor that ignores the parameter beside another one gets no value of it then: nothing to check.
    const unless = strict.flatMap((v) => (v.filters[filter].spec?.ignoredWith ?? []).map((o) => `${v.name} ignores it when ${o} is sent too, so it is then checked here and not required to be one`));
    return (
      `${base} Must be a UUID (RFC 4122, version 1-5, variant 8/9/a/b) whenever the request includes ${strict.map((v) => v.name).join(', ')}: ` +
      `${strict.length === 1 ? 'that vendor requires' : 'those vendors require'} one, so anything else is a 400 here rather than the vendor's error` +
      (unless.length > 0 ? ` (${unless.join('; ')})` : '') +
      '.'
    );
  };
  return {
    search: `Free-text search. Per vendor: ${parts.join('. ') || 'no vendor configured'}. \`explain=true\` shows, per vendor, whether it was pushed or checked here.`,
    leadId: uuid('leadId', 'Lead id'),
    visitorId: uuid('visitorId', 'Visitor id'),
    userId: uuid('userId', 'User id'),
  };
}
