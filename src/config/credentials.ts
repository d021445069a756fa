/**
 * Demo credentials reach only embedded simulators.
 *
 * The shipped vendor YAML defaults each credential to what its simulator accepts
 * (`token: ${X_TOKEN:-demo-x-token}`), so `npm start` works with nothing set. At a real vendor the same
 * default would send the demo token there, and an empty variable (an empty Secret key) counts as unset. So
 * an enabled vendor with a real base URL may take nothing that identifies us to it (auth values, fixed
 * query parameters) from a `:-default`, and may not send an empty bearer token or Basic user name. Vendors
 * without a base URL are exempt: an embedded simulator serves them, or they are refused for that.
 */
import type { Substitution } from './interpolate.js';
import type { VendorConfig } from './vendor-schema.js';

export interface CredentialProblem {
  path: (string | number)[];
  message: string;
}

/** auth's values (not its type or header name) and every fixed query parameter's value. */
function isCredential(path: readonly (string | number)[]): boolean {
  const [a, b, , d] = path;
  if (a === 'auth') return path.length === 2 && b !== 'type' && b !== 'name';
  return a === 'request' && b === 'query' && (path.length === 3 || (path.length === 4 && d === 'value'));
}

const samePath = (a: readonly (string | number)[], b: readonly (string | number)[]) => a.length === b.length && a.every((k, i) => k === b[i]);

export function demoCredentialProblems(v: VendorConfig, used: readonly Substitution[]): CredentialProblem[] {
  if (!v.enabled || v.baseUrl === '') return [];
  const problems: CredentialProblem[] = [];
  for (const s of used) {
    if (s.from !== 'default' || s.value === '' || !isCredential(s.path)) continue;
    problems.push({
      path: s.path,
      message: `${s.variable} is unset or empty, so its default applies, and that is demo data for the embedded simulator; the vendor's base URL is real (${originOf(v.baseUrl)}): set ${s.variable}`,
    });
  }
  const requireValue = (field: string, value: string) => {
    if (value !== '') return;
    const vars = used.filter((s) => samePath(s.path, ['auth', field])).map((s) => s.variable);
    const set = vars.length > 0 ? `set ${vars.join(', ')}` : `give auth.${field} a value`;
    problems.push({ path: ['auth', field], message: `is empty, and the vendor's base URL is real (${originOf(v.baseUrl)}): ${set}` });
  };
  // A header credential may be empty: the header is then not sent (a documented optional key).
  if (v.auth.type === 'bearer') requireValue('token', v.auth.token);
  if (v.auth.type === 'basic') requireValue('username', v.auth.username);
  return problems;
}

/** The origin only: a base URL may carry a path we'd rather not print, never a credential we should. */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}
