/**
 * What a request's log line says beyond method, path and status: for a refusal, the problem code and the
 * names of the invalid parameters; the query string on its own field, with every value that could be a
 * secret masked. Only the values of parameters the API defines (and none of them is a secret) are kept as
 * sent; any other parameter (`api_key=…`, `token=…`, a typo) keeps its name and loses its value, so a
 * caller who puts a key in the URL never finds it in our logs.
 */
import { FILTER_NAMES } from '../model/query.js';
import { REDACTED } from '../errors/redact.js';

/** The parameters of our routes whose values are never secret (the query schemas' names). */
const PLAIN_PARAMS = new Set<string>(['limit', 'cursor', 'orderBy', 'order', 'vendor', 'include', 'onVendorError', 'fields', ...FILTER_NAMES]);
/** Longest value logged, and most parameters: a hostile query can't make a line of megabytes. */
const MAX_VALUE = 200;
const MAX_PARAMS = 50;

/** Refusals of the caller's request: logged at `warn`, with what was wrong. */
const REFUSALS = new Set([400, 401, 403, 405, 413, 414, 429, 431]);

export function levelFor(status: number): 'info' | 'warn' {
  return REFUSALS.has(status) ? 'warn' : 'info';
}

/** The query of a request target (`/p?a=1&b=2`), values masked as above; undefined when there is none. */
export function maskedQuery(target: string): string | undefined {
  const at = target.indexOf('?');
  if (at < 0 || at === target.length - 1) return undefined;
  const params = new URLSearchParams(target.slice(at + 1));
  const out = new URLSearchParams();
  let n = 0;
  for (const [name, value] of params) {
    if (n++ >= MAX_PARAMS) break;
    out.append(name.slice(0, MAX_VALUE), PLAIN_PARAMS.has(name) ? value.slice(0, MAX_VALUE) : REDACTED);
  }
  // `[REDACTED]` stays readable: URLSearchParams would write it %5BREDACTED%5D.
  return out.toString().replaceAll('%5BREDACTED%5D', REDACTED);
}
