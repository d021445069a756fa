/** Building blocks of the route contracts: problem+json responses per status, the security schemes. */
import { ERROR_CATALOGUE, type ErrorCode } from '../errors/catalogue.js';
import { PROBLEM_TYPE_BASE } from '../errors/problem.js';
import { ProblemSchema } from '../errors/problem-schema.js';

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

const REQUEST_ID_HEADER = {
  'X-Request-Id': { description: "The request's id (yours, if you sent a plain one); also in the problem body.", schema: { type: 'string' as const } },
};

type ProblemResponse = { description: string; headers: typeof REQUEST_ID_HEADER; content: { [PROBLEM_MEDIA_TYPE]: { schema: typeof ProblemSchema; examples: Record<string, { value: object }> } } };

/**
 * The problem+json responses for the codes a route can emit, one entry per HTTP status; each names its
 * codes and carries one example per code.
 */
export function problemResponses<const C extends ErrorCode>(codes: readonly C[]): Record<(typeof ERROR_CATALOGUE)[C]['status'], ProblemResponse> {
  const out: Record<number, ProblemResponse> = {};
  for (const code of codes) {
    const { status, title } = ERROR_CATALOGUE[code];
    const entry = (out[status] ??= {
      description: '',
      headers: REQUEST_ID_HEADER,
      content: { [PROBLEM_MEDIA_TYPE]: { schema: ProblemSchema, examples: {} } },
    });
    // Code-formatted: Scalar renders descriptions as Markdown, where INVALID_REQUEST's underscores are emphasis.
    entry.description += `${entry.description ? '; ' : ''}\`${code}\`: ${title}`;
    entry.content[PROBLEM_MEDIA_TYPE].examples[code] = {
      value: {
        type: PROBLEM_TYPE_BASE + code.toLowerCase().replaceAll('_', '-'),
        title,
        status,
        detail: EXAMPLE_DETAIL[code],
        code,
        requestId: '3f6c2a4e-1d2b-4c5d-9e8f-0a1b2c3d4e5f',
        ...(code === 'INVALID_REQUEST' ? { invalidParams: [{ name: 'limit', reason: 'must be at most 100' }] } : {}),
        ...(code === 'INVALID_CURSOR' ? { invalidParams: [{ name: 'cursor', reason: 'signature does not match' }] } : {}),
      },
    };
  }
  return out;
}

const EXAMPLE_DETAIL: Record<ErrorCode, string> = {
  INVALID_REQUEST: 'limit: must be at most 100',
  INVALID_CURSOR: 'cursor signature does not match',
  UNAUTHORIZED: 'no API key: send Authorization: Bearer <key> or x-api-key',
  FORBIDDEN: 'this key lacks the conversations:read scope',
  NOT_FOUND: 'no route for GET /nope',
  METHOD_NOT_ALLOWED: 'POST /conversations: this route serves GET and HEAD only',
  RATE_LIMITED: 'over the request budget; retry after Retry-After seconds',
  UPSTREAM_AUTH_FAILED: 'every vendor failed: acme UPSTREAM_AUTH_FAILED (credentials refused)',
  UPSTREAM_REJECTED: 'every vendor failed: acme UPSTREAM_REJECTED (vendor rejected the request)',
  UPSTREAM_ERROR: 'every vendor failed: acme UPSTREAM_ERROR (vendor answered 500)',
  UPSTREAM_INVALID_RESPONSE: 'every vendor failed: acme UPSTREAM_INVALID_RESPONSE (HTML instead of JSON)',
  UPSTREAM_TOO_LARGE: 'every vendor failed: globex UPSTREAM_TOO_LARGE (more than maxItems)',
  UPSTREAM_UNAVAILABLE: 'every vendor failed: acme UPSTREAM_UNAVAILABLE (connection refused)',
  UPSTREAM_TIMEOUT: 'every vendor failed: acme UPSTREAM_TIMEOUT (no answer within 5000 ms)',
  OVERLOADED: 'the gateway is at capacity; retry after Retry-After seconds',
  INTERNAL_ERROR: 'an internal error occurred; quote the requestId when reporting it',
};

/** Routes behind API keys accept either header; with no clients configured, auth is off (the `{}` entry). */
export const API_KEY_SECURITY: Record<string, string[]>[] = [{ bearerAuth: [] }, { apiKeyHeader: [] }, {}];

export const SECURITY_SCHEMES = {
  bearerAuth: { type: 'http' as const, scheme: 'bearer', description: 'Authorization: Bearer <API key>' },
  apiKeyHeader: { type: 'apiKey' as const, in: 'header' as const, name: 'x-api-key', description: 'x-api-key: <API key>' },
};

export const REQUEST_ID_HEADERS = REQUEST_ID_HEADER;
