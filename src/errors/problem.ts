/** RFC 9457 problem+json rendering of a GatewayError. */
import { ERROR_CATALOGUE, type ErrorCode } from './catalogue.js';
import type { GatewayError, InvalidParam, VendorFailure } from './gateway-error.js';
import { retryAfterHeader } from './retry-after.js';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  requestId: string;
  invalidParams?: InvalidParam[];
  errors?: (VendorFailure & { vendor: string })[];
}

/** A URN, not a URL: nothing is served there, so no client is tempted to fetch it. */
export const PROBLEM_TYPE_BASE = 'urn:switchboard:problem:';

export function toProblem(err: GatewayError, requestId: string): Problem {
  const problem: Problem = {
    type: PROBLEM_TYPE_BASE + err.code.toLowerCase().replaceAll('_', '-'),
    title: ERROR_CATALOGUE[err.code].title,
    status: err.status,
    detail: err.message,
    code: err.code,
    requestId,
  };
  if (err.invalidParams) problem.invalidParams = err.invalidParams;
  if (err.vendorErrors) problem.errors = err.vendorErrors;
  return problem;
}

export function problemResponse(err: GatewayError, requestId: string): Response {
  const headers = new Headers({ 'content-type': 'application/problem+json', 'x-request-id': requestId });
  // Whatever a vendor or a limiter computed, the header is a whole number of seconds from 1 to a day.
  if (err.retryAfter !== undefined) headers.set('retry-after', retryAfterHeader(err.retryAfter));
  return new Response(JSON.stringify(toProblem(err, requestId)), { status: err.status, headers });
}
