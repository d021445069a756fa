/**
 * Every error the gateway can emit, in one place: its stable code, HTTP status and title.
 * Vendor failures are mapped onto the UPSTREAM_* codes; nothing else invents a status.
 */
export const ERROR_CATALOGUE = {
  INVALID_REQUEST: { status: 400, title: 'The request is invalid' },
  INVALID_CURSOR: { status: 400, title: 'The cursor is invalid' },
  UNAUTHORIZED: { status: 401, title: 'Authentication is required' },
  FORBIDDEN: { status: 403, title: 'Access is denied' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'The route does not serve this method' },
  RATE_LIMITED: { status: 429, title: 'Too many requests' },
  UPSTREAM_AUTH_FAILED: { status: 502, title: 'A vendor refused our credentials' },
  UPSTREAM_REJECTED: { status: 502, title: 'A vendor rejected the request' },
  UPSTREAM_ERROR: { status: 502, title: 'A vendor failed' },
  UPSTREAM_INVALID_RESPONSE: { status: 502, title: 'A vendor sent a response we cannot read' },
  UPSTREAM_TOO_LARGE: { status: 502, title: 'Answering would read more of a vendor than the configured cap' },
  UPSTREAM_UNAVAILABLE: { status: 503, title: 'A vendor is unavailable' },
  UPSTREAM_TIMEOUT: { status: 504, title: 'A vendor did not answer in time' },
  OVERLOADED: { status: 503, title: 'The gateway is at capacity' },
  INTERNAL_ERROR: { status: 500, title: 'Internal error' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;
export const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as ErrorCode[];
export type UpstreamErrorCode = Extract<ErrorCode, `UPSTREAM_${string}`> | 'RATE_LIMITED';

export const statusOf = (code: ErrorCode): number => ERROR_CATALOGUE[code].status;
export const isErrorCode = (s: string): s is ErrorCode => Object.hasOwn(ERROR_CATALOGUE, s);
