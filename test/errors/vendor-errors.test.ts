/**
 * Every error envelope the seed vendors are known to send (shared/vendors.md and the vendors' own pages),
 * fed through the real compiled configs: each must land on a catalogue code with the catalogue's status,
 * while the vendor's own status, code, message and wait are kept.
 */
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileVendors } from '../../src/config/compile.js';
import { loadConfig, type LoadedConfig } from '../../src/config/load.js';
import type { RawResponse } from '../../src/dialect/errors.js';
import type { CompiledVendor } from '../../src/dialect/vendor.js';
import { ERROR_CATALOGUE, ERROR_CODES, type ErrorCode } from '../../src/errors/catalogue.js';
import type { VendorFailure } from '../../src/errors/gateway-error.js';
import { DEMO_CREDENTIALS } from '../helpers/demo-credentials.js';

const CONFIG_DIR = fileURLToPath(new URL('../../config/', import.meta.url));
const ENV = {
  UNCODIE_BASE_URL: 'http://127.0.0.1:1',
  SUPERAGENTES_BASE_URL: 'http://127.0.0.1:1',
  SITEASSIST_BASE_URL: 'http://127.0.0.1:1',
  ...DEMO_CREDENTIALS,
};

type VendorName = 'uncodie' | 'superagentes' | 'siteassist';

interface Envelope {
  name: string;
  vendor: VendorName;
  status: number;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. */
  body: unknown;
  code: ErrorCode;
  upstreamCode: string | null;
  /** Exact message, or a pattern it must match. */
  message: string | RegExp;
  retryAfter?: number | null;
}

const JSON_CT = { 'content-type': 'application/json; charset=utf-8' };
const uncodie = (code: string, message: string, extra: Record<string, unknown> = {}) => ({ success: false, error: { code, message }, ...extra });
const siteassist = (code: string, message: string, details?: Record<string, unknown>) => ({ error: { message, code, ...(details ? { details } : {}) } });

const BAD_GATEWAY_HTML =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';
const GATEWAY_TIMEOUT_HTML =
  '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>504 Gateway Time-out</title></head><body><h1>504 Gateway Time-out</h1><p>The server didn\'t respond in time.</p></body></html>';
const MAINTENANCE_HTML = '<!doctype html><html><head><title>Down for maintenance</title></head><body>Back soon</body></html>';

const UNCODIE: Envelope[] = [
  {
    name: '400 INVALID_REQUEST (the page\'s own example)',
    vendor: 'uncodie',
    status: 400,
    body: uncodie('INVALID_REQUEST', 'At least one of lead_id, visitor_id, user_id, or site_id is required'),
    code: 'UPSTREAM_REJECTED',
    upstreamCode: 'INVALID_REQUEST',
    message: 'At least one of lead_id, visitor_id, user_id, or site_id is required',
  },
  {
    name: '400 INVALID_REQUEST for a malformed UUID',
    vendor: 'uncodie',
    status: 400,
    body: uncodie('INVALID_REQUEST', 'Invalid UUID format for lead_id'),
    code: 'UPSTREAM_REJECTED',
    upstreamCode: 'INVALID_REQUEST',
    message: 'Invalid UUID format for lead_id',
  },
  {
    name: '500 DATABASE_ERROR',
    vendor: 'uncodie',
    status: 500,
    body: uncodie('DATABASE_ERROR', 'Error querying conversations'),
    code: 'UPSTREAM_ERROR',
    upstreamCode: 'DATABASE_ERROR',
    message: 'Error querying conversations',
  },
  {
    name: '500 INTERNAL_SERVER_ERROR',
    vendor: 'uncodie',
    status: 500,
    body: uncodie('INTERNAL_SERVER_ERROR', 'Internal system error occurred'),
    code: 'UPSTREAM_ERROR',
    upstreamCode: 'INTERNAL_SERVER_ERROR',
    message: 'Internal system error occurred',
  },
  {
    name: '401 UNAUTHORIZED',
    vendor: 'uncodie',
    status: 401,
    body: uncodie('UNAUTHORIZED', 'Missing API key'),
    code: 'UPSTREAM_AUTH_FAILED',
    upstreamCode: 'UNAUTHORIZED',
    message: 'Missing API key',
  },
  {
    name: '401 INVALID_API_KEY',
    vendor: 'uncodie',
    status: 401,
    body: uncodie('INVALID_API_KEY', 'Invalid API key'),
    code: 'UPSTREAM_AUTH_FAILED',
    upstreamCode: 'INVALID_API_KEY',
    message: 'Invalid API key',
  },
  {
    name: '403 INSUFFICIENT_SCOPE',
    vendor: 'uncodie',
    status: 403,
    body: uncodie('INSUFFICIENT_SCOPE', 'The API key lacks the conversations:read scope'),
    code: 'UPSTREAM_AUTH_FAILED',
    upstreamCode: 'INSUFFICIENT_SCOPE',
    message: 'The API key lacks the conversations:read scope',
  },
  {
    name: '429 RATE_LIMITED with retry_after in the body and a Retry-After header',
    vendor: 'uncodie',
    status: 429,
    headers: { 'retry-after': '20' },
    body: uncodie('RATE_LIMITED', 'Too many requests', { retry_after: 20 }),
    code: 'RATE_LIMITED',
    upstreamCode: 'RATE_LIMITED',
    message: 'Too many requests',
    retryAfter: 20,
  },
  {
    name: '429 RATE_LIMITED with retry_after in the body only',
    vendor: 'uncodie',
    status: 429,
    body: uncodie('RATE_LIMITED', 'Too many requests', { retry_after: 17 }),
    code: 'RATE_LIMITED',
    upstreamCode: 'RATE_LIMITED',
    message: 'Too many requests',
    retryAfter: 17,
  },
  {
    name: '429 RATE_LIMITED with a Retry-After header only',
    vendor: 'uncodie',
    status: 429,
    headers: { 'retry-after': '45' },
    body: uncodie('RATE_LIMITED', 'Too many requests'),
    code: 'RATE_LIMITED',
    upstreamCode: 'RATE_LIMITED',
    message: 'Too many requests',
    retryAfter: 45,
  },
  {
    name: '503 RATE_LIMIT_UNAVAILABLE with Retry-After: 30',
    vendor: 'uncodie',
    status: 503,
    headers: { 'retry-after': '30' },
    body: uncodie('RATE_LIMIT_UNAVAILABLE', 'Rate limiter unavailable'),
    code: 'UPSTREAM_UNAVAILABLE',
    upstreamCode: 'RATE_LIMIT_UNAVAILABLE',
    message: 'Rate limiter unavailable',
    retryAfter: 30,
  },
  {
    name: 'an unknown code (500): an internal vendor error',
    vendor: 'uncodie',
    status: 500,
    body: uncodie('QUEUE_OVERFLOW', 'Something new went wrong'),
    code: 'UPSTREAM_ERROR',
    upstreamCode: 'QUEUE_OVERFLOW',
    message: 'Something new went wrong',
  },
  {
    name: '200 with success:false',
    vendor: 'uncodie',
    status: 200,
    body: uncodie('DATABASE_ERROR', 'Error querying conversations'),
    code: 'UPSTREAM_ERROR',
    upstreamCode: 'DATABASE_ERROR',
    message: 'Error querying conversations',
  },
  {
    name: '403 with an empty body (the CORS guard)',
    vendor: 'uncodie',
    status: 403,
    headers: { 'content-type': 'text/plain' },
    body: '',
    code: 'UPSTREAM_AUTH_FAILED',
    upstreamCode: null,
    message: /empty/i,
  },
];

const SUPERAGENTES: Envelope[] = [
  {
    name: 'text/plain 403 Forbidden (bad or missing token)',
    vendor: 'superagentes',
    status: 403,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
    body: 'Forbidden',
    code: 'UPSTREAM_AUTH_FAILED',
    upstreamCode: null,
    message: 'Forbidden',
  },
  {
    name: '401 {error:"UNAUTHORIZED"}',
    vendor: 'superagentes',
    status: 401,
    body: { error: 'UNAUTHORIZED' },
    code: 'UPSTREAM_AUTH_FAILED',
    upstreamCode: 'UNAUTHORIZED',
    message: 'UNAUTHORIZED',
  },
  {
    name: '402 USAGE_LIMIT',
    vendor: 'superagentes',
    status: 402,
    body: { error: 'USAGE_LIMIT' },
    code: 'UPSTREAM_REJECTED',
    upstreamCode: 'USAGE_LIMIT',
    message: 'USAGE_LIMIT',
  },
  {
    name: '404 NOT_FOUND',
    vendor: 'superagentes',
    status: 404,
    body: { error: 'NOT_FOUND' },
    code: 'UPSTREAM_REJECTED',
    upstreamCode: 'NOT_FOUND',
    message: 'NOT_FOUND',
  },
  {
    name: '400 INVALID_REQUEST',
    vendor: 'superagentes',
    status: 400,
    body: { error: 'INVALID_REQUEST' },
    code: 'UPSTREAM_REJECTED',
    upstreamCode: 'INVALID_REQUEST',
    message: 'INVALID_REQUEST',
  },
  {
    name: '429 RATE_LIMIT with Retry-After',
    vendor: 'superagentes',
    status: 429,
    headers: { 'retry-after': '30' },
    body: { error: 'RATE_LIMIT' },
    code: 'RATE_LIMITED',
    upstreamCode: 'RATE_LIMIT',
    message: 'RATE_LIMIT',
    retryAfter: 30,
  },
  {
    name: '429 RATE_LIMIT without Retry-After',
    vendor: 'superagentes',
    status: 429,
    body: { error: 'RATE_LIMIT' },
    code: 'RATE_LIMITED',
    upstreamCode: 'RATE_LIMIT',
    message: 'RATE_LIMIT',
    retryAfter: null,
  },
  {
    name: 'an unknown code (500)',
    vendor: 'superagentes',
    status: 500,
    body: { error: 'SOMETHING_BROKE' },
    code: 'UPSTREAM_ERROR',
    upstreamCode: 'SOMETHING_BROKE',
    message: 'SOMETHING_BROKE',
  },
  {
    name: 'an error with a message beside its code',
    vendor: 'superagentes',
    status: 400,
    body: { error: 'INVALID_REQUEST', message: 'startDate is not a date' },
    code: 'UPSTREAM_REJECTED',
    upstreamCode: 'INVALID_REQUEST',
    message: 'startDate is not a date',
  },
];

/** SiteAssist's status table, with the envelopes printed on its page. */
const SITEASSIST: Envelope[] = [
  {
    name: '400 INVALID_REQUEST_BODY',
    vendor: 'siteassist',
    status: 400,
    body: siteassist('INVALID_REQUEST_BODY', 'Invalid request body. Content is required.', { field: 'content' }),
    code: 'UPSTREAM_REJECTED',
    upstreamCode: 'INVALID_REQUEST_BODY',
    message: 'Invalid request body. Content is required.',
  },
  {
    name: '401 UNAUTHORIZED',
    vendor: 'siteassist',
    status: 401,
    body: siteassist('UNAUTHORIZED', 'Authentication required'),
    code: 'UPSTREAM_AUTH_FAILED',
    upstreamCode: 'UNAUTHORIZED',
    message: 'Authentication required',
  },
  {
    name: '402 PAYMENT_REQUIRED',
    vendor: 'siteassist',
    status: 402,
    body: siteassist('PAYMENT_REQUIRED', 'A higher pricing plan is required to access this feature', {
      currentPlan: 'free',
      requiredPlan: 'pro',
      feature: 'advanced_ai_models',
    }),
    code: 'UPSTREAM_REJECTED',
    upstreamCode: 'PAYMENT_REQUIRED',
    message: 'A higher pricing plan is required to access this feature',
  },
  {
    name: '403 FORBIDDEN',
    vendor: 'siteassist',
    status: 403,
    body: siteassist('FORBIDDEN', 'Access denied to this conversation'),
    code: 'UPSTREAM_AUTH_FAILED',
    upstreamCode: 'FORBIDDEN',
    message: 'Access denied to this conversation',
  },
  {
    name: '404 CONVERSATION_NOT_FOUND',
    vendor: 'siteassist',
    status: 404,
    body: siteassist('CONVERSATION_NOT_FOUND', 'Conversation not found!', { conversationId: '123e4567-e89b-12d3-a456-426614174000' }),
    code: 'UPSTREAM_REJECTED',
    upstreamCode: 'CONVERSATION_NOT_FOUND',
    message: 'Conversation not found!',
  },
  {
    name: '409 CONFLICT',
    vendor: 'siteassist',
    status: 409,
    body: siteassist('CONFLICT', 'Resource already exists', { resource: 'conversation', conflictingField: 'id' }),
    code: 'UPSTREAM_REJECTED',
    upstreamCode: 'CONFLICT',
    message: 'Resource already exists',
  },
  {
    name: '422 VALIDATION_ERROR',
    vendor: 'siteassist',
    status: 422,
    body: siteassist('VALIDATION_ERROR', 'Validation failed', { field: 'limit', reason: 'Must be an integer between 1 and 100' }),
    code: 'UPSTREAM_REJECTED',
    upstreamCode: 'VALIDATION_ERROR',
    message: 'Validation failed',
  },
  {
    name: '429 RATE_LIMIT_EXCEEDED with details.retryAfter (no header)',
    vendor: 'siteassist',
    status: 429,
    body: siteassist('RATE_LIMIT_EXCEEDED', 'Rate limit exceeded. Please try again later.', { retryAfter: 60 }),
    code: 'RATE_LIMITED',
    upstreamCode: 'RATE_LIMIT_EXCEEDED',
    message: 'Rate limit exceeded. Please try again later.',
    retryAfter: 60,
  },
  {
    name: '500 INTERNAL_SERVER_ERROR',
    vendor: 'siteassist',
    status: 500,
    body: siteassist('INTERNAL_SERVER_ERROR', 'An internal server error occurred'),
    code: 'UPSTREAM_ERROR',
    upstreamCode: 'INTERNAL_SERVER_ERROR',
    message: 'An internal server error occurred',
  },
  {
    name: '502 BAD_GATEWAY with details.service',
    vendor: 'siteassist',
    status: 502,
    body: siteassist('BAD_GATEWAY', 'Service temporarily unavailable', { service: 'ai_model_service' }),
    code: 'UPSTREAM_ERROR',
    upstreamCode: 'BAD_GATEWAY',
    message: 'Service temporarily unavailable',
  },
  {
    name: '503 SERVICE_UNAVAILABLE with details.retryAfter',
    vendor: 'siteassist',
    status: 503,
    body: siteassist('SERVICE_UNAVAILABLE', 'Service temporarily unavailable', { retryAfter: 30 }),
    code: 'UPSTREAM_UNAVAILABLE',
    upstreamCode: 'SERVICE_UNAVAILABLE',
    message: 'Service temporarily unavailable',
    retryAfter: 30,
  },
];

/** What a proxy in front of any vendor may send instead of the vendor's own answer. */
const proxyPages = (vendor: VendorName): Envelope[] => [
  {
    name: 'a proxy\'s HTML 502 page',
    vendor,
    status: 502,
    headers: { 'content-type': 'text/html' },
    body: BAD_GATEWAY_HTML,
    code: 'UPSTREAM_ERROR',
    upstreamCode: null,
    message: /502 Bad Gateway/,
  },
  {
    name: 'a proxy\'s HTML 504 page',
    vendor,
    status: 504,
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: GATEWAY_TIMEOUT_HTML,
    code: 'UPSTREAM_TIMEOUT',
    upstreamCode: null,
    message: /504 Gateway Time-out/,
  },
  {
    name: 'a proxy\'s HTML 503 page with Retry-After',
    vendor,
    status: 503,
    headers: { 'content-type': 'text/html', 'retry-after': '120' },
    body: '<html><head><title>503 Service Temporarily Unavailable</title></head><body>nginx</body></html>',
    code: 'UPSTREAM_UNAVAILABLE',
    upstreamCode: null,
    message: /503 Service Temporarily Unavailable/,
    retryAfter: 120,
  },
  {
    name: 'a proxy\'s HTML 429 page with Retry-After',
    vendor,
    status: 429,
    headers: { 'content-type': 'text/html', 'retry-after': '15' },
    body: '<html><head><title>429 Too Many Requests</title></head><body>slow down</body></html>',
    code: 'RATE_LIMITED',
    upstreamCode: null,
    message: /429 Too Many Requests/,
    retryAfter: 15,
  },
  {
    name: 'a 200 whose body is an HTML page, not JSON',
    vendor,
    status: 200,
    headers: { 'content-type': 'text/html' },
    body: MAINTENANCE_HTML,
    code: 'UPSTREAM_INVALID_RESPONSE',
    upstreamCode: null,
    message: /JSON/,
  },
  {
    name: 'a 200 whose body is truncated JSON',
    vendor,
    status: 200,
    headers: JSON_CT,
    body: '{"data": [{"id": "1",',
    code: 'UPSTREAM_INVALID_RESPONSE',
    upstreamCode: null,
    message: /JSON/,
  },
  {
    name: 'a 200 with an empty body',
    vendor,
    status: 200,
    headers: JSON_CT,
    body: '',
    code: 'UPSTREAM_INVALID_RESPONSE',
    upstreamCode: null,
    message: /JSON/,
  },
];

const ENVELOPES: Envelope[] = [
  ...UNCODIE,
  ...SUPERAGENTES,
  ...SITEASSIST,
  ...proxyPages('uncodie'),
  ...proxyPages('superagentes'),
  ...proxyPages('siteassist'),
];

let config: LoadedConfig;
let vendors: Map<string, CompiledVendor>;
beforeAll(async () => {
  config = await loadConfig(CONFIG_DIR, ENV);
  vendors = new Map(compileVendors(config).map((v) => [v.name, v]));
});

function read(vendor: VendorName, res: RawResponse): VendorFailure {
  const v = vendors.get(vendor);
  if (!v) throw new Error(`vendor ${vendor} is not configured`);
  const page = v.readPage(res);
  expect(page, 'an error envelope must not be read as a page').not.toHaveProperty('items');
  return page as VendorFailure;
}

const raw = (e: Pick<Envelope, 'status' | 'headers' | 'body'>): RawResponse => ({
  status: e.status,
  headers: typeof e.body === 'string' ? { ...e.headers } : { ...JSON_CT, ...e.headers },
  body: typeof e.body === 'string' ? e.body : JSON.stringify(e.body),
});

describe('vendor error envelopes → unified failures', () => {
  it('the seed configs are all compiled', () => {
    expect([...vendors.keys()].sort()).toEqual(['siteassist', 'superagentes', 'uncodie']);
  });

  it.each(ENVELOPES.map((e) => [`${e.vendor}: ${e.name}`, e] as const))('%s', (_, e) => {
    const f = read(e.vendor, raw(e));
    expect(ERROR_CODES).toContain(f.code);
    expect(f.code).toBe(e.code);
    expect(f.status).toBe(ERROR_CATALOGUE[e.code].status);
    expect(f.upstreamStatus).toBe(e.status);
    expect(f.upstreamCode).toBe(e.upstreamCode);
    if (typeof e.message === 'string') expect(f.message).toBe(e.message);
    else expect(f.message).toMatch(e.message);
    expect(f.retryAfter).toBe(e.retryAfter ?? null);
  });

  it('reads a Retry-After given as an HTTP date as seconds from now', () => {
    const at = new Date(Date.now() + 90_000).toUTCString();
    const f = read('superagentes', raw({ status: 429, headers: { 'retry-after': at }, body: { error: 'RATE_LIMIT' } }));
    expect(f.code).toBe('RATE_LIMITED');
    expect(f.retryAfter).not.toBeNull();
    expect(f.retryAfter!).toBeGreaterThanOrEqual(88);
    expect(f.retryAfter!).toBeLessThanOrEqual(91);
  });

  it('reads a header given as an array (repeated header) by its first value', () => {
    const f = read('uncodie', {
      status: 503,
      headers: { ...JSON_CT, 'retry-after': ['30', '60'] },
      body: JSON.stringify(uncodie('RATE_LIMIT_UNAVAILABLE', 'Rate limiter unavailable')),
    });
    expect(f.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(f.retryAfter).toBe(30);
  });

  // Regression: Date.parse read "-3" or "abc 7" as dates in 2001, which became "retry after 0 s".
  it.each(['-3', 'abc 7', '1.5.3', 'soon', 'Mon, 99 Foo 2024 00:00:00 GMT'])('ignores a malformed Retry-After header %j', (value) => {
    const f = read('superagentes', raw({ status: 429, headers: { 'retry-after': value }, body: { error: 'RATE_LIMIT' } }));
    expect(f.code).toBe('RATE_LIMITED');
    expect(f.retryAfter).toBeNull();
  });

  // Regression: a 2xx `{success:false}` with a code the config doesn't know is the vendor failing.
  it('maps an unknown code in a 200 success:false body to UPSTREAM_ERROR', () => {
    const f = read('uncodie', raw({ status: 200, body: uncodie('SOMETHING_NEW', 'Something new broke') }));
    expect(f).toMatchObject({ code: 'UPSTREAM_ERROR', upstreamStatus: 200, upstreamCode: 'SOMETHING_NEW', message: 'Something new broke' });
  });

  it('keeps a very long vendor message bounded', () => {
    const long = 'x'.repeat(10_000);
    const f = read('siteassist', raw({ status: 500, body: siteassist('INTERNAL_SERVER_ERROR', long) }));
    expect(f.code).toBe('UPSTREAM_ERROR');
    expect(f.message.length).toBeGreaterThan(0);
    expect(f.message.length).toBeLessThanOrEqual(1_000);
    expect(long.startsWith(f.message)).toBe(true);
  });

  it('every code and status a seed config maps to is a catalogue code', () => {
    for (const v of config.vendors) {
      for (const code of [...Object.values(v.errors.codes), ...Object.values(v.errors.statuses)]) {
        expect(ERROR_CODES, `${v.name} maps to ${code}`).toContain(code);
      }
    }
  });
});
