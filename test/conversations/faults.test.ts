/**
 * The fault matrix over real HTTP: each seed vendor × each fault its simulator can inject. One vendor
 * failing makes a partial page (200, `partial: true`, the failure described in its source) whose data is
 * exactly what the healthy vendors give on their own; every vendor failing makes one problem+json.
 * The deadline is shortened to 400 ms so hangs cost little; each test's own timeout catches a hang.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Fault } from '../../sim/kit.js';
import { ERROR_CATALOGUE, type ErrorCode } from '../../src/errors/catalogue.js';
import { SEED_VENDORS, startHarness, type Harness } from '../helpers/harness.js';

// Short enough to keep the timeout cases quick, long enough that a reset or a healthy vendor on a loaded machine
// (two cores shared with other suites) is answered before it.
const DEADLINE_MS = 800;
/** Generous for an 800 ms deadline, tight enough that a request which ignores it fails the test. */
const TEST_TIMEOUT_MS = 8_000;
const QUERY = 'limit=25';

type VendorName = 'uncodie' | 'superagentes' | 'siteassist';
const VENDORS: VendorName[] = ['uncodie', 'superagentes', 'siteassist'];

interface Expected {
  code: ErrorCode;
  upstreamStatus: number | null;
  upstreamCode: string | null;
  message?: string | RegExp;
  retryAfter: number | null;
}

interface FaultCase {
  name: string;
  fault: Fault;
  expect: Record<VendorName, Expected>;
}

const same = (e: Expected): Record<VendorName, Expected> => ({ uncodie: e, superagentes: e, siteassist: e });
const TRANSPORT = /\S/;

const FAULTS: FaultCase[] = [
  {
    name: 'hang',
    fault: { kind: 'hang' },
    expect: same({ code: 'UPSTREAM_TIMEOUT', upstreamStatus: null, upstreamCode: null, message: new RegExp(`${DEADLINE_MS} ms`), retryAfter: null }),
  },
  {
    name: 'slow (past the deadline)',
    fault: { kind: 'slow', ms: DEADLINE_MS * 4 },
    expect: same({ code: 'UPSTREAM_TIMEOUT', upstreamStatus: null, upstreamCode: null, message: new RegExp(`${DEADLINE_MS} ms`), retryAfter: null }),
  },
  {
    name: 'reset mid-body',
    fault: { kind: 'reset' },
    expect: same({ code: 'UPSTREAM_INVALID_RESPONSE', upstreamStatus: 200, upstreamCode: null, message: TRANSPORT, retryAfter: null }),
  },
  {
    name: 'malformed JSON',
    fault: { kind: 'malformed' },
    expect: same({ code: 'UPSTREAM_INVALID_RESPONSE', upstreamStatus: 200, upstreamCode: null, message: /JSON/, retryAfter: null }),
  },
  {
    name: 'a proxy\'s HTML 502 page',
    fault: { kind: 'html' },
    expect: same({ code: 'UPSTREAM_ERROR', upstreamStatus: 502, upstreamCode: null, message: /502 Bad Gateway/, retryAfter: null }),
  },
  {
    name: 'a proxy\'s HTML 504 page',
    fault: { kind: 'html', status: 504 },
    expect: same({ code: 'UPSTREAM_TIMEOUT', upstreamStatus: 504, upstreamCode: null, message: /HTML page: 504 Gateway Timeout/, retryAfter: null }),
  },
  {
    name: 'rateLimit with a Retry-After header',
    fault: { kind: 'rateLimit', retryAfter: 7, header: true },
    expect: {
      uncodie: { code: 'RATE_LIMITED', upstreamStatus: 429, upstreamCode: 'RATE_LIMITED', message: 'Too many requests', retryAfter: 7 },
      superagentes: { code: 'RATE_LIMITED', upstreamStatus: 429, upstreamCode: 'RATE_LIMIT', message: 'RATE_LIMIT', retryAfter: 7 },
      siteassist: {
        code: 'RATE_LIMITED',
        upstreamStatus: 429,
        upstreamCode: 'RATE_LIMIT_EXCEEDED',
        message: 'Rate limit exceeded. Please try again later.',
        retryAfter: 7,
      },
    },
  },
  {
    name: 'rateLimit without a header',
    fault: { kind: 'rateLimit', retryAfter: 7, header: false },
    expect: {
      // Uncodie still says retry_after in its body; SiteAssist only ever says it in details.retryAfter.
      uncodie: { code: 'RATE_LIMITED', upstreamStatus: 429, upstreamCode: 'RATE_LIMITED', message: 'Too many requests', retryAfter: 7 },
      superagentes: { code: 'RATE_LIMITED', upstreamStatus: 429, upstreamCode: 'RATE_LIMIT', message: 'RATE_LIMIT', retryAfter: null },
      siteassist: {
        code: 'RATE_LIMITED',
        upstreamStatus: 429,
        upstreamCode: 'RATE_LIMIT_EXCEEDED',
        message: 'Rate limit exceeded. Please try again later.',
        retryAfter: 7,
      },
    },
  },
  {
    name: 'unavailable',
    fault: { kind: 'unavailable' },
    expect: {
      uncodie: { code: 'UPSTREAM_UNAVAILABLE', upstreamStatus: 503, upstreamCode: 'RATE_LIMIT_UNAVAILABLE', message: 'Rate limiter unavailable', retryAfter: 30 },
      superagentes: { code: 'UPSTREAM_UNAVAILABLE', upstreamStatus: 503, upstreamCode: 'SERVICE_UNAVAILABLE', message: 'SERVICE_UNAVAILABLE', retryAfter: null },
      siteassist: { code: 'UPSTREAM_UNAVAILABLE', upstreamStatus: 503, upstreamCode: 'SERVICE_UNAVAILABLE', message: 'Service temporarily unavailable', retryAfter: 30 },
    },
  },
  {
    name: 'internal',
    fault: { kind: 'internal' },
    expect: {
      uncodie: { code: 'UPSTREAM_ERROR', upstreamStatus: 500, upstreamCode: 'DATABASE_ERROR', message: 'Error querying conversations', retryAfter: null },
      superagentes: { code: 'UPSTREAM_ERROR', upstreamStatus: 500, upstreamCode: 'INTERNAL_SERVER_ERROR', message: 'INTERNAL_SERVER_ERROR', retryAfter: null },
      siteassist: { code: 'UPSTREAM_ERROR', upstreamStatus: 500, upstreamCode: 'INTERNAL_SERVER_ERROR', message: 'An internal server error occurred', retryAfter: null },
    },
  },
  {
    name: 'auth',
    fault: { kind: 'auth' },
    expect: {
      uncodie: { code: 'UPSTREAM_AUTH_FAILED', upstreamStatus: 401, upstreamCode: 'INVALID_API_KEY', message: 'Invalid API key', retryAfter: null },
      // The text/plain 403: no code, the text is the message.
      superagentes: { code: 'UPSTREAM_AUTH_FAILED', upstreamStatus: 403, upstreamCode: null, message: 'Forbidden', retryAfter: null },
      siteassist: { code: 'UPSTREAM_AUTH_FAILED', upstreamStatus: 401, upstreamCode: 'UNAUTHORIZED', message: 'Authentication required', retryAfter: null },
    },
  },
  {
    name: 'wrongShape',
    fault: { kind: 'wrongShape' },
    expect: same({ code: 'UPSTREAM_INVALID_RESPONSE', upstreamStatus: 200, upstreamCode: null, message: TRANSPORT, retryAfter: null }),
  },
];

let h: Harness;
/** `data` of the same query over each pair of healthy vendors, keyed by the failing one. */
const healthyData = new Map<VendorName, unknown[]>();

beforeAll(async () => {
  // Small data sets so healthy vendors answer well within the short deadline even on a busy machine.
  const data = Object.fromEntries(SEED_VENDORS.map((v, i) => [v.name, v.module.demoData(500 + i, 40)]));
  h = await startHarness({ data, env: { UPSTREAM_TIMEOUT_MS: String(DEADLINE_MS) } });
  expect(new Set(h.sims.keys())).toEqual(new Set(VENDORS));
  for (const failing of VENDORS) {
    const healthy = VENDORS.filter((v) => v !== failing);
    const res = await h.get(`/conversations?${QUERY}&vendor=${healthy.join(',')}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.partial).toBe(false);
    expect(res.body.data).toHaveLength(25);
    healthyData.set(failing, res.body.data);
  }
});
afterAll(async () => h?.close());
afterEach(() => {
  for (const s of h.sims.values()) s.fault = null;
  // Faults open breakers and set 429 memory: each case starts from a vendor in good standing.
  h.resetState();
});

const setFault = (vendor: VendorName, fault: Fault) => {
  h.sims.get(vendor)!.fault = fault;
};

function expectFailure(actual: Record<string, unknown>, e: Expected) {
  expect(actual.code).toBe(e.code);
  expect(actual.status).toBe(ERROR_CATALOGUE[e.code].status);
  expect(actual.upstreamStatus).toBe(e.upstreamStatus);
  expect(actual.upstreamCode).toBe(e.upstreamCode);
  expect(actual.retryAfter).toBe(e.retryAfter);
  expect(actual.message).toEqual(expect.any(String));
  if (typeof e.message === 'string') expect(actual.message).toBe(e.message);
  else if (e.message) expect(actual.message).toMatch(e.message);
}

function expectProblem(res: Awaited<ReturnType<Harness['get']>>, status: number, code: ErrorCode) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body.status).toBe(status);
  expect(res.body.code).toBe(code);
  expect(res.body.title).toBe(ERROR_CATALOGUE[code].title);
  expect(res.body.detail).toEqual(expect.any(String));
  expect(res.body.requestId).toBe(res.headers['x-request-id']);
}

describe('one vendor failing: a partial page', () => {
  const cases = VENDORS.flatMap((vendor) => FAULTS.map((f) => [vendor, f.name, f] as const));

  it.each(cases)(
    '%s: %s',
    async (vendor, _name, f) => {
      setFault(vendor, f.fault);
      const res = await h.get(`/conversations?${QUERY}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body.partial).toBe(true);
      // A total that leaves a vendor out is not the total.
      expect(res.body.total).toBeNull();

      const sources: Record<string, unknown>[] = res.body.sources;
      expect(sources.map((s) => s.vendor).sort()).toEqual([...VENDORS].sort());
      const failed = sources.find((s) => s.vendor === vendor)!;
      expect(failed.status).toBe('error');
      expectFailure(failed.error as Record<string, unknown>, f.expect[vendor]);
      for (const s of sources.filter((x) => x.vendor !== vendor)) {
        expect(s.status, `${String(s.vendor)} should be ok`).toBe('ok');
        expect(s.error).toBeUndefined();
      }

      expect(res.body.data).toEqual(healthyData.get(vendor));
      for (const c of res.body.data) expect(c.vendor).not.toBe(vendor);
    },
    TEST_TIMEOUT_MS,
  );

  it('a vendor that recovers is whole again on the next request', async () => {
    setFault('siteassist', { kind: 'internal' });
    expect((await h.get(`/conversations?${QUERY}`)).body.partial).toBe(true);
    h.sims.get('siteassist')!.fault = null;
    const res = await h.get(`/conversations?${QUERY}`);
    expect(res.status).toBe(200);
    expect(res.body.partial).toBe(false);
    expect(res.body.sources.every((s: { status: string }) => s.status === 'ok')).toBe(true);
  }, TEST_TIMEOUT_MS);
});

describe('every vendor failing: one problem', () => {
  it('all rate-limited → 429 RATE_LIMITED, Retry-After the smallest wait, each vendor in errors[]', async () => {
    setFault('uncodie', { kind: 'rateLimit', retryAfter: 40, header: true });
    setFault('superagentes', { kind: 'rateLimit', retryAfter: 25, header: true });
    setFault('siteassist', { kind: 'rateLimit', retryAfter: 60 });
    const res = await h.get(`/conversations?${QUERY}`);
    expectProblem(res, 429, 'RATE_LIMITED');
    expect(res.headers['retry-after']).toBe('25');
    const errors: Record<string, unknown>[] = res.body.errors;
    expect(errors.map((e) => e.vendor).sort()).toEqual([...VENDORS].sort());
    const by = Object.fromEntries(errors.map((e) => [e.vendor, e]));
    expectFailure(by.uncodie!, { code: 'RATE_LIMITED', upstreamStatus: 429, upstreamCode: 'RATE_LIMITED', retryAfter: 40 });
    expectFailure(by.superagentes!, { code: 'RATE_LIMITED', upstreamStatus: 429, upstreamCode: 'RATE_LIMIT', retryAfter: 25 });
    expectFailure(by.siteassist!, { code: 'RATE_LIMITED', upstreamStatus: 429, upstreamCode: 'RATE_LIMIT_EXCEEDED', retryAfter: 60 });
  }, TEST_TIMEOUT_MS);

  it('all rate-limited, one without a wait → Retry-After is the smallest wait given', async () => {
    setFault('uncodie', { kind: 'rateLimit', retryAfter: 12, header: true });
    setFault('superagentes', { kind: 'rateLimit', header: false });
    setFault('siteassist', { kind: 'rateLimit', retryAfter: 9 });
    const res = await h.get(`/conversations?${QUERY}`);
    expectProblem(res, 429, 'RATE_LIMITED');
    expect(res.headers['retry-after']).toBe('9');
    expect(res.body.errors).toHaveLength(3);
  }, TEST_TIMEOUT_MS);

  it('all hanging → 504 UPSTREAM_TIMEOUT, each vendor in errors[]', async () => {
    for (const v of VENDORS) setFault(v, { kind: 'hang' });
    const res = await h.get(`/conversations?${QUERY}`);
    expectProblem(res, 504, 'UPSTREAM_TIMEOUT');
    expect(res.headers['retry-after']).toBeUndefined();
    const errors: Record<string, unknown>[] = res.body.errors;
    expect(errors.map((e) => e.vendor).sort()).toEqual([...VENDORS].sort());
    for (const e of errors) expectFailure(e, { code: 'UPSTREAM_TIMEOUT', upstreamStatus: null, upstreamCode: null, retryAfter: null });
  }, TEST_TIMEOUT_MS);

  it('all unavailable → 503 UPSTREAM_UNAVAILABLE', async () => {
    for (const v of VENDORS) setFault(v, { kind: 'unavailable' });
    const res = await h.get(`/conversations?${QUERY}`);
    expectProblem(res, 503, 'UPSTREAM_UNAVAILABLE');
    expect(res.body.errors).toHaveLength(3);
  }, TEST_TIMEOUT_MS);

  it('mixed failures → 502 UPSTREAM_ERROR with each vendor\'s own failure in errors[]', async () => {
    setFault('uncodie', { kind: 'internal' });
    setFault('superagentes', { kind: 'auth' });
    setFault('siteassist', { kind: 'hang' });
    const res = await h.get(`/conversations?${QUERY}`);
    expectProblem(res, 502, 'UPSTREAM_ERROR');
    const errors: Record<string, unknown>[] = res.body.errors;
    expect(errors.map((e) => e.vendor).sort()).toEqual([...VENDORS].sort());
    const by = Object.fromEntries(errors.map((e) => [e.vendor, e]));
    expectFailure(by.uncodie!, { code: 'UPSTREAM_ERROR', upstreamStatus: 500, upstreamCode: 'DATABASE_ERROR', message: 'Error querying conversations', retryAfter: null });
    expectFailure(by.superagentes!, { code: 'UPSTREAM_AUTH_FAILED', upstreamStatus: 403, upstreamCode: null, message: 'Forbidden', retryAfter: null });
    expectFailure(by.siteassist!, { code: 'UPSTREAM_TIMEOUT', upstreamStatus: null, upstreamCode: null, retryAfter: null });
    for (const v of VENDORS) expect(res.body.detail).toContain(v);
  }, TEST_TIMEOUT_MS);

  it('mixed failures including a rate limit → 502 without Retry-After', async () => {
    setFault('uncodie', { kind: 'rateLimit', retryAfter: 5 });
    setFault('superagentes', { kind: 'internal' });
    setFault('siteassist', { kind: 'malformed' });
    const res = await h.get(`/conversations?${QUERY}`);
    expectProblem(res, 502, 'UPSTREAM_ERROR');
    expect(res.headers['retry-after']).toBeUndefined();
    expect(res.body.errors.map((e: { vendor: string; code: string }) => [e.vendor, e.code]).sort()).toEqual([
      ['siteassist', 'UPSTREAM_INVALID_RESPONSE'],
      ['superagentes', 'UPSTREAM_ERROR'],
      ['uncodie', 'RATE_LIMITED'],
    ]);
  }, TEST_TIMEOUT_MS);

  it('the only vendor asked for failing is a problem, not an empty page', async () => {
    setFault('superagentes', { kind: 'auth' });
    const res = await h.get('/conversations?vendor=superagentes');
    expectProblem(res, 502, 'UPSTREAM_AUTH_FAILED');
    expect(res.body.errors).toEqual([
      { vendor: 'superagentes', code: 'UPSTREAM_AUTH_FAILED', status: 502, message: 'Forbidden', upstreamStatus: 403, upstreamCode: null, retryAfter: null },
    ]);
  }, TEST_TIMEOUT_MS);
});
