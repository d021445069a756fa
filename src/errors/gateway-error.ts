import { ERROR_CATALOGUE, type ErrorCode } from './catalogue.js';

export interface InvalidParam {
  name: string;
  reason: string;
}

/** One vendor's failure, in the unified shape used by `sources[].error` and problem `errors[]`. */
export interface VendorFailure {
  code: ErrorCode;
  status: number;
  message: string;
  upstreamStatus: number | null;
  upstreamCode: string | null;
  /** Seconds, when the vendor said when to come back. */
  retryAfter: number | null;
}

/** The one error type the gateway throws; `onError` turns it into problem+json. */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly invalidParams: InvalidParam[] | undefined;
  readonly vendorErrors: (VendorFailure & { vendor: string })[] | undefined;
  readonly retryAfter: number | undefined;

  constructor(
    code: ErrorCode,
    detail: string,
    extra: { invalidParams?: InvalidParam[]; vendorErrors?: (VendorFailure & { vendor: string })[]; retryAfter?: number } = {},
  ) {
    super(detail);
    this.name = 'GatewayError';
    this.code = code;
    this.status = ERROR_CATALOGUE[code].status;
    this.invalidParams = extra.invalidParams;
    this.vendorErrors = extra.vendorErrors;
    this.retryAfter = extra.retryAfter;
  }
}

export const invalidRequest = (params: InvalidParam[]): GatewayError =>
  new GatewayError(
    'INVALID_REQUEST',
    params.map((p) => `${p.name}: ${p.reason}`).join('; '),
    { invalidParams: params },
  );
