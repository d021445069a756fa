/**
 * Compiles a vendor's `errors` block into one function: (HTTP status, headers, body) → the unified
 * VendorFailure. JSON envelopes, text/plain and proxies' HTML pages all land on a catalogue code while
 * the vendor's own status, code and message are kept.
 */
import type { VendorConfig } from '../config/vendor-schema.js';
import { statusOf, type UpstreamErrorCode } from '../errors/catalogue.js';
import type { VendorFailure } from '../errors/gateway-error.js';
import { clip, MAX_CODE, MAX_MESSAGE, type Redactor } from '../errors/redact.js';
import { parseRetryAfter } from '../errors/retry-after.js';
import { compilePaths } from './path.js';


export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export type ErrorMapper = (res: RawResponse, parsed?: unknown) => VendorFailure;

/** HTTP semantics every vendor shares; a vendor's `statuses` and `codes` override them. */
export function defaultCodeFor(status: number): UpstreamErrorCode {
  if (status === 401 || status === 403 || status === 407) return 'UPSTREAM_AUTH_FAILED';
  if (status === 429) return 'RATE_LIMITED';
  if (status === 408 || status === 504) return 'UPSTREAM_TIMEOUT';
  if (status === 503) return 'UPSTREAM_UNAVAILABLE';
  if (status >= 400 && status < 500) return 'UPSTREAM_REJECTED';
  if (status >= 500) return 'UPSTREAM_ERROR';
  return 'UPSTREAM_INVALID_RESPONSE';
}

export function failure(code: UpstreamErrorCode, message: string, extra: Partial<VendorFailure> = {}): VendorFailure {
  return {
    code,
    status: statusOf(code),
    message,
    upstreamStatus: extra.upstreamStatus ?? null,
    upstreamCode: extra.upstreamCode ?? null,
    retryAfter: extra.retryAfter ?? null,
  };
}


export const headerOf = (h: RawResponse['headers'], name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

export function tryParseJson(text: string): unknown {
  const t = text.trimStart();
  if (!t.startsWith('{') && !t.startsWith('[')) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A readable one-line message out of a non-JSON body (an HTML page's title, or the text itself). */
function textMessage(body: string, contentType: string | undefined, redact: Redactor): string {
  const isHtml = /html/i.test(contentType ?? '') || /^\s*<(!doctype|html)/i.test(body);
  if (isHtml) {
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(body)?.[1]?.trim();
    return title ? clip(`HTML page: ${title}`, redact) : 'HTML page instead of JSON';
  }
  // Redacted whole, then cut (and only the start of a long body is tidied).
  const text = redact(body.trimStart()).slice(0, 4 * MAX_MESSAGE).replace(/\s+/g, ' ').trim();
  return text === '' ? 'empty body' : clip(text, redact);
}

/**
 * `redact` is the vendor's one redaction of every secret configured for it: each string taken from the
 * body passes through it whole, before it is cut. `maxRetryAfterSeconds` bounds what a vendor's
 * Retry-After (header or body) may ask for: a hostile or broken value ("99999999999999", 400 digits)
 * becomes that cap, so every layer above (retries, 429 memory, the mirror sync, what callers are told)
 * sees a sane whole number.
 */
export function compileErrors(cfg: VendorConfig['errors'], redact: Redactor, opts: { maxRetryAfterSeconds?: number } = {}): ErrorMapper {
  const code = cfg.code ? compilePaths(cfg.code) : () => undefined;
  const message = cfg.message ? compilePaths(cfg.message) : () => undefined;
  const retryAfter = cfg.retryAfter ? compilePaths(cfg.retryAfter) : () => undefined;
  const byCode = new Map(Object.entries(cfg.codes));
  const byStatus = new Map(Object.entries(cfg.statuses).map(([k, v]) => [Number(k), v]));

  return (res, parsed = tryParseJson(res.body)) => {
    const rawCode = parsed === undefined ? undefined : code(parsed);
    const code0 = typeof rawCode === 'string' || typeof rawCode === 'number' ? String(rawCode) : null;
    const rawMessage = parsed === undefined ? undefined : message(parsed);
    const upstreamCode = code0 === null ? null : clip(code0, redact, MAX_CODE);
    const text =
      typeof rawMessage === 'string' && rawMessage.trim() !== ''
        ? clip(rawMessage, redact)
        : parsed === undefined
          ? textMessage(res.body, headerOf(res.headers, 'content-type'), redact)
          : (upstreamCode ?? `HTTP ${res.status}`);
    // A 2xx that is an error (`errorWhen`) with an unknown code is the vendor failing, not a bad body.
    const fallback = res.status >= 200 && res.status < 300 ? 'UPSTREAM_ERROR' : defaultCodeFor(res.status);
    // The mapping looks at the code as sent; callers see it redacted and capped.
    const unified = (code0 !== null ? byCode.get(code0) : undefined) ?? byStatus.get(res.status) ?? fallback;
    const bound = { maxSeconds: opts.maxRetryAfterSeconds };
    const after =
      (parsed === undefined ? null : parseRetryAfter(retryAfter(parsed), bound)) ?? parseRetryAfter(headerOf(res.headers, 'retry-after'), bound);
    return failure(unified, text, { upstreamStatus: res.status, upstreamCode, retryAfter: after });
  };
}
