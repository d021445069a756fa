/**
 * A small parser of the Prometheus text exposition format (version 0.0.4), enough to assert on values:
 * `# TYPE` lines and samples with escaped label values. Timestamps are ignored.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  samples: Sample[];
  types: Map<string, string>;
  /** The one sample with exactly these labels (others may not be present), or undefined. */
  value(name: string, labels?: Record<string, string>): number | undefined;
  /** Every sample of `name` whose labels include `labels`. */
  select(name: string, labels?: Record<string, string>): Sample[];
  /** Sum of the selected samples' values. */
  sum(name: string, labels?: Record<string, string>): number;
}

export function parseExposition(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^# TYPE (\S+) (\S+)$/.exec(line);
      if (m) types.set(m[1]!, m[2]!);
      continue;
    }
    samples.push(parseSample(line));
  }
  const matches = (s: Sample, labels: Record<string, string>) => Object.entries(labels).every(([k, v]) => s.labels[k] === v);
  const select = (name: string, labels: Record<string, string> = {}) => samples.filter((s) => s.name === name && matches(s, labels));
  return {
    samples,
    types,
    select,
    value(name, labels = {}) {
      const found = select(name, labels).filter((s) => Object.keys(s.labels).length === Object.keys(labels).length);
      if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
      return found[0]?.value;
    },
    sum: (name, labels) => select(name, labels).reduce((a, s) => a + s.value, 0),
  };
}

function parseSample(line: string): Sample {
  const nameEnd = line.search(/[{ ]/);
  if (nameEnd <= 0) throw new Error(`not a sample: ${line}`);
  const name = line.slice(0, nameEnd);
  const labels: Record<string, string> = {};
  let i = nameEnd;
  if (line[i] === '{') {
    i++;
    while (line[i] !== '}') {
      const eq = line.indexOf('=', i);
      const key = line.slice(i, eq);
      if (line[eq + 1] !== '"') throw new Error(`unquoted label value: ${line}`);
      let j = eq + 2;
      let value = '';
      while (line[j] !== '"') {
        if (j >= line.length) throw new Error(`unterminated label value: ${line}`);
        if (line[j] === '\\') {
          const next = line[j + 1];
          value += next === 'n' ? '\n' : next;
          j += 2;
        } else value += line[j++];
      }
      labels[key] = value;
      i = j + 1;
      if (line[i] === ',') i++;
    }
    i++;
  }
  const raw = line.slice(i).trim().split(' ')[0] ?? '';
  return { name, labels, value: parseValue(raw, line) };
}

/** Like Go's ParseFloat, which Prometheus uses: `NaN` and `Inf` in any case (prom-client writes `Nan`). */
function parseValue(raw: string, line: string): number {
  const special = raw.toLowerCase();
  if (special === 'nan') return NaN;
  if (special === '+inf' || special === 'inf') return Infinity;
  if (special === '-inf') return -Infinity;
  const value = Number(raw);
  if (raw === '' || Number.isNaN(value)) throw new Error(`bad value: ${line}`);
  return value;
}
