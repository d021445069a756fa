/**
 * The zod contract of every error body (RFC 9457 problem+json), with the code catalogue as an enum. It
 * describes the errors in /openapi.json; the compile-time checks below keep it equal to `Problem`.
 */
import { z } from '@hono/zod-openapi';
import { ERROR_CATALOGUE, ERROR_CODES, type ErrorCode } from './catalogue.js';
import type { InvalidParam, VendorFailure } from './gateway-error.js';
import type { Problem } from './problem.js';
import type { Same } from '../openapi/same.js';

export const ErrorCodeSchema = z
  .enum(ERROR_CODES as [ErrorCode, ...ErrorCode[]])
  .openapi('ErrorCode', {
    description: `The stable error code. Each has one HTTP status: ${ERROR_CODES.map((c) => `\`${c}\` ${ERROR_CATALOGUE[c].status}`).join(', ')}.`,
    example: 'INVALID_REQUEST',
  });

export const InvalidParamSchema = z
  .object({
    name: z.string().openapi({ description: 'The parameter (or `(query)` for the query as a whole).', example: 'limit' }),
    reason: z.string().openapi({ description: 'What is wrong with it.', example: 'must be at most 100' }),
  })
  .openapi('InvalidParam');

const failureShape = {
  code: ErrorCodeSchema,
  status: z.number().int().openapi({ description: "The HTTP status this failure maps to (the code's).", example: 429 }),
  message: z.string().openapi({ example: 'rate limited by the vendor' }),
  upstreamStatus: z.number().int().nullable().openapi({ description: "The vendor's HTTP status, when it answered.", example: 429 }),
  upstreamCode: z.string().nullable().openapi({ description: "The vendor's own error code, when its body had one.", example: 'RATE_LIMIT' }),
  retryAfter: z.number().nullable().openapi({ description: 'Seconds, when the vendor said when to come back.', example: 30 }),
};

export const VendorFailureSchema = z.strictObject(failureShape).openapi('VendorFailure', { description: "One vendor's failure, in the unified shape." });

// Spelled out rather than `.extend()`ed: allOf over closed objects would admit nothing.
export const VendorErrorSchema = z
  .strictObject({ vendor: z.string().openapi({ example: 'globex' }), ...failureShape })
  .openapi('VendorError', { description: "One vendor's failure, named." });

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ description: 'A URN naming the code (nothing is served there).', example: 'urn:switchboard:problem:invalid-request' }),
    title: z.string().openapi({ description: "The code's title.", example: ERROR_CATALOGUE.INVALID_REQUEST.title }),
    status: z.number().int().openapi({ example: 400 }),
    detail: z.string().openapi({ example: 'limit: must be at most 100' }),
    code: ErrorCodeSchema,
    requestId: z.string().openapi({ description: 'Also in the X-Request-Id header; quote it when reporting a problem.', example: '3f6c2a4e-1d2b-4c5d-9e8f-0a1b2c3d4e5f' }),
    invalidParams: z.array(InvalidParamSchema).optional().openapi({ description: 'With `INVALID_REQUEST` and `INVALID_CURSOR`: each wrong parameter and why.' }),
    errors: z.array(VendorErrorSchema).optional().openapi({ description: "When every vendor failed: each vendor's error." }),
  })
  .openapi('Problem', {
    description: 'RFC 9457 problem details (`application/problem+json`); every error the gateway emits has this shape.',
    example: {
      type: 'urn:switchboard:problem:invalid-request',
      title: ERROR_CATALOGUE.INVALID_REQUEST.title,
      status: 400,
      detail: 'limit: must be at most 100',
      code: 'INVALID_REQUEST',
      requestId: '3f6c2a4e-1d2b-4c5d-9e8f-0a1b2c3d4e5f',
      invalidParams: [{ name: 'limit', reason: 'must be at most 100' }],
    },
  });

// Response schemas are closed (additionalProperties: false), so the conformance test catches an
// undocumented field. The schema and the types the code builds problems from must not drift apart.
const _problem: Same<z.infer<typeof ProblemSchema>, Problem> = true;
const _invalid: Same<z.infer<typeof InvalidParamSchema>, InvalidParam> = true;
const _failure: Same<z.infer<typeof VendorFailureSchema>, VendorFailure> = true;
void [_problem, _invalid, _failure];
