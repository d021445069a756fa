/**
 * `${VAR}` and `${VAR:-default}` in YAML string values, resolved from an env map. Works on the parsed
 * tree (not the text) so a value can never inject YAML, and errors can name where the reference was.
 */
export type Env = Readonly<Record<string, string | undefined>>;

export class InterpolationError extends Error {
  constructor(
    readonly path: (string | number)[],
    readonly variable: string,
  ) {
    super(`environment variable ${variable} is not set (use \${${variable}:-default} to make it optional)`);
  }
}

/** One `${VAR}` or `${VAR:-default}` reference, as a pattern source (the JSON Schema uses it too). */
export const ENV_REFERENCE_SOURCE = '\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\\}';
const REF = new RegExp(ENV_REFERENCE_SOURCE, 'g');

export function interpolateString(s: string, env: Env, path: (string | number)[]): string {
  return s.replace(REF, (_m, name: string, fallback: string | undefined) => {
    const v = env[name];
    if (v !== undefined && v !== '') return v;
    if (fallback !== undefined) return fallback;
    throw new InterpolationError(path, name);
  });
}

export function interpolate(value: unknown, env: Env, path: (string | number)[] = []): unknown {
  if (typeof value === 'string') return interpolateString(value, env, path);
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, [...path, i]));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolate(v, env, [...path, k]);
    return out;
  }
  return value;
}
