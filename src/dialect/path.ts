/**
 * Compiles the config's JSON paths (`a.b[0]`, `a[-1]`, `a[*].b`, `$`) into plain getter functions once at
 * load, so reading an item is a chain of property accesses, not a parse.
 */
export type Getter = (doc: unknown) => unknown;

type Step = { kind: 'key'; key: string } | { kind: 'index'; index: number } | { kind: 'all' };

export function parsePath(path: string): Step[] {
  if (path === '$') return [];
  const steps: Step[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(-?\d+)\]|\[\*\]/g)) {
    if (m[1] !== undefined) steps.push({ kind: 'key', key: m[1] });
    else if (m[2] !== undefined) steps.push({ kind: 'index', index: Number(m[2]) });
    else steps.push({ kind: 'all' });
  }
  return steps;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

function step(s: Step, next: Getter): Getter {
  switch (s.kind) {
    case 'key': {
      const key = s.key;
      return (d) => (isRecord(d) && !Array.isArray(d) && Object.hasOwn(d, key) ? next(d[key]) : undefined);
    }
    case 'index': {
      const i = s.index;
      return (d) => (Array.isArray(d) ? next(i < 0 ? d[d.length + i] : d[i]) : undefined);
    }
    case 'all':
      return (d) => (Array.isArray(d) ? d.map(next) : undefined);
  }
}

export function compilePath(path: string): Getter {
  // Built back to front so each step calls the next directly.
  return parsePath(path).reduceRight<Getter>((next, s) => step(s, next), (d) => d);
}

/** Fallback paths: the first that yields a value other than undefined or null. */
export function compilePaths(paths: string | readonly string[]): Getter {
  const list = (typeof paths === 'string' ? [paths] : paths).map(compilePath);
  if (list.length === 1) return list[0]!;
  return (doc) => {
    for (const g of list) {
      const v = g(doc);
      if (v !== undefined && v !== null) return v;
    }
    return undefined;
  };
}
