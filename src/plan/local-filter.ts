/** Builds the predicate that checks, on our side, the filters a vendor plan applies locally. */
import type { Item } from '../model/conversation.js';
import type { FilterName, Filters } from '../model/query.js';

type Predicate = (item: Item) => boolean;

const lc = (s: string | null | undefined): string => (s ?? '').toLowerCase();

function predicateFor(name: FilterName, f: Filters): Predicate {
  switch (name) {
    case 'status': return (i) => i.conversation.status === f.status;
    case 'channel': return (i) => i.conversation.channel === f.channel;
    case 'agentId': return (i) => i.conversation.agent?.id === f.agentId;
    case 'leadId': return (i) => lc(i.keys.leadId) === lc(f.leadId);
    case 'visitorId': return (i) => lc(i.keys.visitorId) === lc(f.visitorId);
    case 'userId': return (i) => lc(i.keys.userId) === lc(f.userId);
    case 'search': {
      const term = lc(f.search);
      return (i) => i.searchText.includes(term);
    }
    case 'createdAfter': return (i) => i.times.createdAt !== null && i.times.createdAt >= f.createdAfter!;
    case 'createdBefore': return (i) => i.times.createdAt !== null && i.times.createdAt < f.createdBefore!;
    case 'updatedAfter': return (i) => i.times.updatedAt !== null && i.times.updatedAt >= f.updatedAfter!;
    case 'updatedBefore': return (i) => i.times.updatedAt !== null && i.times.updatedAt < f.updatedBefore!;
  }
}

export function buildLocalFilter(names: readonly FilterName[], filters: Filters): Predicate {
  const preds = names.map((n) => predicateFor(n, filters));
  if (preds.length === 0) return () => true;
  return (item) => {
    for (const p of preds) if (!p(item)) return false;
    return true;
  };
}
