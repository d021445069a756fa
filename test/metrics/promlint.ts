/**
 * A strict reader of the Prometheus text format (0.0.4) and the naming rules `promtool check metrics`
 * enforces (client_golang's promlint), so a test can hold /metrics to them without promtool installed.
 * Returns every problem found, as promtool would print them; [] means it would pass.
 */
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
/** Non-base units promlint names (use seconds, bytes, ratios, celsius…). */
const NON_BASE_UNITS = ['days', 'hours', 'minutes', 'milliseconds', 'microseconds', 'nanoseconds', 'kilobytes', 'megabytes', 'gigabytes', 'kibibytes', 'mebibytes', 'gibibytes', 'bits', 'percent', 'fahrenheit', 'kilograms', 'grams'];
/** promlint's list, matched against whole `_`-separated words. */
const UNIT_ABBREVIATIONS = ['s', 'ms', 'us', 'ns', 'sec', 'b', 'kb', 'mb', 'gb', 'tb', 'pb', 'm', 'h', 'd'];

interface Family {
  name: string;
  type?: string;
  help?: string;
  series: Set<string>;
}

export function lintExposition(text: string): string[] {
  const problems: string[] = [];
  const families = new Map<string, Family>();
  const done = new Set<string>();
  let current: string | undefined;
  const family = (name: string) => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { name, series: new Set() }));
    return f;
  };
  const enter = (name: string, lineNo: number) => {
    if (current === name) return;
    if (done.has(name)) problems.push(`line ${lineNo}: ${name}: samples or metadata not contiguous (second block)`);
    if (current) done.add(current);
    current = name;
  };
  if (!text.endsWith('\n')) problems.push('the exposition does not end with a newline');
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const n = i + 1;
    if (line === '') return;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
      if (!m) return; // other comments are allowed
      const [, kind, name, rest = ''] = m as unknown as [string, 'HELP' | 'TYPE', string, string];
      if (!METRIC_NAME.test(name)) problems.push(`line ${n}: invalid metric name ${name}`);
      enter(name, n);
      const f = family(name);
      if (kind === 'HELP') {
        if (f.help !== undefined) problems.push(`line ${n}: second HELP line for ${name}`);
        f.help = rest;
      } else {
        if (f.type !== undefined) problems.push(`line ${n}: second TYPE line for ${name}`);
        if (f.series.size > 0) problems.push(`line ${n}: TYPE of ${name} after its samples`);
        if (!TYPES.has(rest)) problems.push(`line ${n}: unknown type ${rest} for ${name}`);
        f.type = rest;
      }
      return;
    }
    const sample = parseSampleLine(line);
    if (typeof sample === 'string') {
      problems.push(`line ${n}: ${sample}`);
      return;
    }
    const base = familyOf(sample.name, families);
    enter(base, n);
    const f = family(base);
    const key = `${sample.name}{${Object.entries(sample.labels).sort().map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;
    if (f.series.has(key)) problems.push(`line ${n}: duplicate series ${key}`);
    f.series.add(key);
    for (const l of Object.keys(sample.labels)) {
      if (!LABEL_NAME.test(l) || l.startsWith('__')) problems.push(`line ${n}: invalid label name ${l}`);
      if (/[A-Z]/.test(l)) problems.push(`${base}: label names should be written in 'snake_case' not 'camelCase' (${l})`);
    }
    if (f.type === 'histogram' && sample.name === `${base}_bucket` && sample.labels.le === undefined) problems.push(`line ${n}: histogram bucket without le`);
  });
  for (const f of families.values()) problems.push(...lintFamily(f));
  return problems;
}

/** promlint's rules for one metric family. */
function lintFamily(f: Family): string[] {
  const out: string[] = [];
  const say = (msg: string) => out.push(`${f.name}: ${msg}`);
  if (!f.help) say('no help text');
  if (f.type === undefined) say('no TYPE line');
  if (f.type === 'counter' && !f.name.endsWith('_total')) say('counter metrics should have "_total" suffix');
  if (f.type !== 'counter' && f.name.endsWith('_total')) say('non-counter metrics should not have "_total" suffix');
  if (f.type !== 'histogram' && f.type !== 'summary' && /_(bucket|count|sum)$/.test(f.name)) say('non-histogram and non-summary metrics should not have "_bucket", "_count" or "_sum" suffix');
  if (/[A-Z]/.test(f.name)) say("metric names should be written in 'snake_case' not 'camelCase'");
  if (f.name.includes(':')) say("metric names should not contain ':'");
  const parts = f.name.split('_');
  for (const u of NON_BASE_UNITS) if (parts.includes(u)) say(`use base unit instead of "${u}"`);
  for (const a of UNIT_ABBREVIATIONS) if (parts.includes(a)) say(`metric names should not contain abbreviated units ("${a}")`);
  for (const t of ['counter', 'gauge', 'histogram', 'summary']) if (parts.includes(t)) say(`metric name should not include type '${t}'`);
  return out;
}

/** `x_bucket`, `x_sum`, `x_count` belong to family x when x is a histogram or summary. */
function familyOf(sample: string, families: Map<string, Family>): string {
  const m = /^(.*)_(bucket|sum|count)$/.exec(sample);
  if (m) {
    const f = families.get(m[1]!);
    if (f && (f.type === 'histogram' || f.type === 'summary')) return m[1]!;
  }
  return sample;
}

function parseSampleLine(line: string): { name: string; labels: Record<string, string> } | string {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{|\s)/.exec(line);
  if (!m) return `not a sample: ${line}`;
  const name = m[1]!;
  const labels: Record<string, string> = {};
  let i = name.length;
  if (line[i] === '{') {
    i++;
    while (line[i] !== '}') {
      const lm = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(line.slice(i));
      if (!lm) return `bad label at column ${i}: ${line}`;
      i += lm[0].length;
      let value = '';
      for (;;) {
        const ch = line[i];
        if (ch === undefined) return `unterminated label value: ${line}`;
        if (ch === '"') break;
        if (ch === '\\') {
          const next = line[i + 1];
          if (next !== '\\' && next !== '"' && next !== 'n') return `bad escape \\${next} in: ${line}`;
          value += next === 'n' ? '\n' : next;
          i += 2;
        } else {
          value += ch;
          i++;
        }
      }
      i++;
      if (lm[1]! in labels) return `label ${lm[1]} twice: ${line}`;
      labels[lm[1]!] = value;
      if (line[i] === ',') i++;
      else if (line[i] !== '}') return `expected , or } at column ${i}: ${line}`;
    }
    i++;
  }
  const rest = line.slice(i).trim().split(/\s+/);
  if (rest.length < 1 || rest.length > 2 || rest[0] === '') return `bad value part: ${line}`;
  if (!/^([+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?Inf|NaN|Nan)$/i.test(rest[0]!)) return `bad value ${rest[0]}: ${line}`;
  if (rest[1] !== undefined && !/^-?\d+$/.test(rest[1])) return `bad timestamp ${rest[1]}: ${line}`;
  return { name, labels };
}
