/**
 * `${VAR}` and `${VAR:-default}` in YAML string values, resolved from an env map. Works on the parsed
 * tree (not the text) so a value can never inject YAML, and errors can name where the reference was.
 *
 * It also records, for every reference, whether the environment or the default supplied the value: the
 * loader refuses a default where it must never reach a real vendor (a demo credential), and names the
 * variable to set.
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

/** How one `${VAR}` reference in a config value was resolved. */
export interface Substitution {
  /** Where the value is in its file (keys and indexes). */
  path: (string | number)[];
  variable: string;
  /** `env`: the variable's own value; `default`: the variable was unset or empty and `:-default` stood in. */
  from: 'env' | 'default';
  /** The text put in the reference's place. */
  value: string;
}

/** One `${VAR}` or `${VAR:-default}` reference, as a pattern source (the JSON Schema uses it too). */
export const ENV_REFERENCE_SOURCE = '\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\\}';
const REF = new RegExp(ENV_REFERENCE_SOURCE, 'g');

/**
 * Pass `missing` to collect every unset reference instead of throwing at the first: `config check` must
 * name them all in one run. An unset reference then stays as its own text, so the schema still reads the file.
 */
export function interpolateString(s: string, env: Env, path: (string | number)[], used?: Substitution[], missing?: InterpolationError[]): string {
  return s.replace(REF, (ref, name: string, fallback: string | undefined) => {
    const v = env[name];
    // Empty counts as unset, as in the shell's `:-`: an empty Secret key must not blank a value silently.
    if (v !== undefined && v !== '') {
      used?.push({ path, variable: name, from: 'env', value: v });
      return v;
    }
    if (fallback !== undefined) {
      used?.push({ path, variable: name, from: 'default', value: fallback });
      return fallback;
    }
    const error = new InterpolationError(path, name);
    if (!missing) throw error;
    missing.push(error);
    return ref;
  });
}

/**
 * Resolves every reference in a parsed YAML tree; pass `used` to learn where each value came from, and
 * `missing` to collect the unset ones rather than throw.
 */
export function interpolate(value: unknown, env: Env, path: (string | number)[] = [], used?: Substitution[], missing?: InterpolationError[]): unknown {
  if (typeof value === 'string') return interpolateString(value, env, path, used, missing);
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, [...path, i], used, missing));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolate(v, env, [...path, k], used, missing);
    return out;
  }
  return value;
}
