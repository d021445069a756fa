/**
 * Request validation of GET /conversations over real HTTP: every bad parameter is a 400 problem+json that
 * names it, vendors are never called for a request we can already tell is invalid, cursors can't be forged,
 * and no query string (however odd) makes the gateway answer 5xx.
 */
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE, ERROR_CODES } from '../../src/errors/catalogue.js';
import { SEED_VENDORS, startHarness, type Harness } from '../helpers/harness.js';

type Res = Awaited<ReturnType<Harness['get']>>;

const PARAMS = [
  'vendor', 'status', 'channel', 'agentId', 'leadId', 'visitorId', 'userId', 'search',
  'createdAfter', 'createdBefore', 'updatedAfter', 'updatedBefore',
  'orderBy', 'orderDir', 'limit', 'offset', 'cursor', 'include', 'explain', 'strict',
] as const;
type Param = (typeof PARAMS)[number];

const UUID_A = 'f41bb290-0404-44d7-a969-b21a7ec65b77';
const UUID_B = '6a7b8c9d-0e1f-4a3b-8c5d-6e7f8a9b0c1d';
/** Two valid values per parameter (cursor's are filled in once a real cursor exists). */
const VALID: Record<Param, [string, string]> = {
  vendor: ['uncodie', 'siteassist'],
  status: ['open', 'closed'],
  channel: ['whatsapp', 'website'],
  agentId: ['agent-1', 'agent-2'],
  leadId: [UUID_A, UUID_B],
  visitorId: [UUID_A, UUID_B],
  userId: [UUID_A, UUID_B],
  search: ['refund', 'order'],
  createdAfter: ['2024-01-01T00:00:00Z', '2024-02-01T00:00:00+02:00'],
  createdBefore: ['2024-06-01T00:00:00Z', '2024-07-01T00:00:00.123Z'],
  updatedAfter: ['2024-01-01T00:00:00Z', '2024-02-01T00:00:00-03:00'],
  updatedBefore: ['2024-06-01T00:00:00Z', '2024-07-01T00:00Z'],
  orderBy: ['createdAt', 'updatedAt'],
  orderDir: ['asc', 'desc'],
  limit: ['1', '2'],
  offset: ['0', '5'],
  cursor: ['', ''],
  include: ['messages', 'raw'],
  explain: ['true', 'false'],
  strict: ['false', 'true'],
};

const LONG = 'x'.repeat(201);
const TIME_BAD = ['yesterday', '2024-05-01', '2024-05-01T00:00:00', '2024-05-01 00:00:00Z', '1714521600', '2024-13-01T00:00:00Z', '2024-05-01T25:00:00Z', ''];
/** Bad values per parameter, each with what makes it bad. */
const BAD: [Param, string, string][] = [
  ['vendor', 'nope', 'unknown vendor'],
  ['vendor', 'uncodie,nope', 'one unknown vendor among known ones'],
  ['vendor', '', 'empty'],
  ['vendor', ',,', 'empty list'],
  ['vendor', Array.from({ length: 21 }, (_, i) => `v${i}`).join(','), 'more vendors than allowed'],
  ['status', 'pending', 'wrong enum'],
  ['status', 'OPEN', 'wrong case'],
  ['status', '', 'empty'],
  ...(['channel', 'agentId', 'leadId', 'visitorId', 'userId', 'search'] as const).flatMap((p): [Param, string, string][] => [
    [p, '', 'empty'],
    [p, '   ', 'blank'],
    [p, LONG, 'too long'],
  ]),
  ...(['createdAfter', 'createdBefore', 'updatedAfter', 'updatedBefore'] as const).flatMap((p) =>
    TIME_BAD.map((v): [Param, string, string] => [p, v, v === '' ? 'empty' : 'not an ISO date-time with offset']),
  ),
  ['orderBy', 'title', 'wrong enum'],
  ['orderBy', '', 'empty'],
  ['orderDir', 'up', 'wrong enum'],
  ['orderDir', '', 'empty'],
  ['limit', 'abc', 'not a number'],
  ['limit', '1.5', 'not whole'],
  ['limit', '1e2', 'exponent'],
  ['limit', '-1', 'negative'],
  ['limit', '0', 'below range'],
  ['limit', '101', 'above range'],
  ['limit', '99999999999999999999999', 'huge'],
  ['limit', '', 'empty'],
  ['offset', '-1', 'negative'],
  ['offset', 'x', 'not a number'],
  ['offset', '10001', 'above range'],
  ['offset', '', 'empty'],
  ['cursor', '', 'empty'],
  ['cursor', 'c'.repeat(8193), 'too long'],
  ['include', 'foo', 'unknown include'],
  ['include', 'messages,foo', 'one unknown include'],
  ['include', '', 'empty'],
  ['explain', 'yes', 'not a boolean'],
  ['explain', '1', 'not a boolean'],
  ['explain', '', 'empty'],
  ['strict', 'TRUE', 'wrong case'],
  ['strict', '0', 'not a boolean'],
  ['strict', '', 'empty'],
];

const qs = (pairs: [string, string][]) => `?${new URLSearchParams(pairs).toString()}`;

function expectProblem(res: Res, status: number, code: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const b = res.body;
  expect(typeof b).toBe('object');
  expect(b.type).toEqual(expect.any(String));
  expect(b.type.length).toBeGreaterThan(0);
  expect(b.title).toEqual(expect.any(String));
  expect(b.title.length).toBeGreaterThan(0);
  expect(b.status).toBe(status);
  expect(b.detail).toEqual(expect.any(String));
  expect(b.detail.length).toBeGreaterThan(0);
  expect(b.code).toBe(code);
  expect(b.requestId).toEqual(expect.any(String));
  expect(b.requestId).toBe(res.headers['x-request-id']);
}

function expectInvalid(res: Res, names: string[], code: 'INVALID_REQUEST' | 'INVALID_CURSOR' = 'INVALID_REQUEST') {
  expectProblem(res, 400, code);
  const listed: { name: string; reason: string }[] = res.body.invalidParams;
  expect(Array.isArray(listed)).toBe(true);
  for (const p of listed) {
    expect(p.name).toEqual(expect.any(String));
    expect(p.reason).toEqual(expect.any(String));
    expect(p.reason.trim().length).toBeGreaterThan(0);
  }
  for (const name of names) {
    expect(listed.map((p) => p.name), `invalidParams should name ${name}`).toContain(name);
  }
}

let h: Harness;
let cursor: string;
const totalCalls = () => [...h.sims.values()].reduce((n, s) => n + s.calls.length, 0);

beforeAll(async () => {
  // Small data sets: validation is what is under test, not volume.
  const data = Object.fromEntries(SEED_VENDORS.map((v, i) => [v.name, v.module.demoData(100 + i, 15)]));
  h = await startHarness({ data });
  const first = await h.get('/conversations?limit=2');
  expect(first.status).toBe(200);
  expect(first.body.nextCursor).toEqual(expect.any(String));
  cursor = first.body.nextCursor;
  VALID.cursor = [cursor, cursor];
});
afterAll(async () => h?.close());
afterEach(() => {
  for (const s of h.sims.values()) s.fault = null;
  // Faults open breakers and set 429 memory: each case starts from a vendor in good standing.
  h.resetState();
});

describe('GET /conversations: each bad parameter is a 400 naming it', () => {
  it.each(BAD.map(([p, v, why]) => [p, why, v.length > 40 ? `${v.slice(0, 20)}… (${v.length} chars)` : JSON.stringify(v), v] as const))(
    '%s: %s %s',
    async (param, _why, _shown, value) => {
      const res = await h.get(`/conversations${qs([[param, value]])}`);
      expectInvalid(res, [param]);
    },
  );

  it.each(PARAMS.map((p) => [p] as const))('%s given twice is a 400 naming it', async (param) => {
    const [a, b] = VALID[param];
    const res = await h.get(`/conversations${qs([[param, a], [param, b]])}`);
    expectInvalid(res, [param]);
    expect(res.body.invalidParams.find((p: { name: string }) => p.name === param).reason).toMatch(/once|more than/i);
  });

  it('the same value given twice is still a repeated parameter', async () => {
    const res = await h.get('/conversations?limit=1&limit=2');
    expectInvalid(res, ['limit']);
    expectInvalid(await h.get('/conversations?status=open&status=open'), ['status']);
  });

  it('an unknown parameter is a 400 naming it', async () => {
    const res = await h.get('/conversations?foo=1');
    expectInvalid(res, ['foo']);
    expect(res.body.invalidParams).toEqual([{ name: 'foo', reason: expect.any(String) }]);
  });

  it('unknown parameters that look like object keys are just unknown', async () => {
    const res = await h.get('/conversations?__proto__=1&constructor=2&toString=3');
    expectInvalid(res, ['__proto__', 'constructor', 'toString']);
  });

  it('a parameter name differing only in case is unknown', async () => {
    expectInvalid(await h.get('/conversations?Limit=5'), ['Limit']);
  });

  it.each(PARAMS.filter((p) => p !== 'cursor' && p !== 'limit').map((p) => [p] as const))(
    'cursor combined with %s is a 400 naming %s',
    async (param) => {
      const res = await h.get(`/conversations${qs([['cursor', cursor], [param, VALID[param][0]]])}`);
      expectInvalid(res, [param]);
    },
  );

  it('cursor combined with limit is allowed', async () => {
    const res = await h.get(`/conversations${qs([['cursor', cursor], ['limit', '3']])}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data).toHaveLength(3);
    expect(res.body.offset).toBe(2);
  });

  it.each([
    ['createdAfter', 'createdBefore', 'after later than before', '2024-03-01T00:00:00Z', '2024-02-01T00:00:00Z'],
    ['createdAfter', 'createdBefore', 'equal bounds', '2024-03-01T00:00:00Z', '2024-03-01T00:00:00Z'],
    ['createdAfter', 'createdBefore', 'equal instants in different zones', '2024-03-01T02:00:00+02:00', '2024-03-01T00:00:00Z'],
    ['updatedAfter', 'updatedBefore', 'after later than before', '2024-03-01T00:00:00Z', '2024-02-01T00:00:00Z'],
    ['updatedAfter', 'updatedBefore', 'equal bounds', '2024-03-01T00:00:00Z', '2024-03-01T00:00:00Z'],
  ] as const)('%s >= %s (%s) is a 400', async (lo, hi, _why, a, b) => {
    const res = await h.get(`/conversations${qs([[lo, a], [hi, b]])}`);
    expectInvalid(res, [lo]);
  });

  it('an ordered range is accepted', async () => {
    const res = await h.get(`/conversations${qs([['createdAfter', '2024-01-01T00:00:00Z'], ['createdBefore', '2024-01-01T00:00:01Z']])}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  });

  it('several bad parameters are all listed at once', async () => {
    const res = await h.get(
      `/conversations${qs([
        ['status', 'pending'],
        ['limit', '0'],
        ['orderDir', 'up'],
        ['createdAfter', 'yesterday'],
        ['include', 'foo'],
        ['foo', '1'],
        ['agentId', ''],
        ['explain', 'maybe'],
      ])}`,
    );
    expectInvalid(res, ['status', 'limit', 'orderDir', 'createdAfter', 'include', 'foo', 'agentId', 'explain']);
  });

  it('a reversed range is listed alongside another parameter\'s format error', async () => {
    const res = await h.get(
      `/conversations${qs([['limit', '0'], ['foo', '1'], ['updatedAfter', '2024-03-01T00:00:00Z'], ['updatedBefore', '2024-02-01T00:00:00Z']])}`,
    );
    expectInvalid(res, ['limit', 'foo', 'updatedAfter']);
  });

  it('no vendor is called for a request that fails validation', async () => {
    const before = totalCalls();
    const res = await h.get('/conversations?status=pending&limit=0');
    expectInvalid(res, ['status', 'limit']);
    expect(totalCalls()).toBe(before);
  });
});

describe('regressions', () => {
  // Date.parse rolls 2024-02-30 over to 1 March: an impossible date is the caller's mistake, named.
  it.each(['2024-02-30T00:00:00Z', '2023-02-29T00:00:00Z', '2024-04-31T12:00:00+02:00', '2024-02-31T00:00:00Z'])(
    'the impossible date %s is a 400 for every date parameter',
    async (date) => {
      for (const p of ['createdAfter', 'createdBefore', 'updatedAfter', 'updatedBefore']) {
        expectInvalid(await h.get(`/conversations${qs([[p, date]])}`), [p]);
      }
    },
  );

  it('a leap day that exists is fine', async () => {
    expect((await h.get(`/conversations${qs([['createdAfter', '2024-02-29T00:00:00Z']])}`)).status).toBe(200);
  });

  // zod skips object-level rules once a field fails; rules between parameters are checked on their own.
  it.each([
    [[['status', 'pending'], ['updatedAfter', '2024-03-01T00:00:00Z'], ['updatedBefore', '2024-02-01T00:00:00Z']], ['status', 'updatedAfter']],
    [[['orderBy', 'nope'], ['createdAfter', '2024-03-01T00:00:00Z'], ['createdBefore', '2024-03-01T00:00:00Z']], ['orderBy', 'createdAfter']],
    [[['limit', '1'], ['limit', '2'], ['createdAfter', '2024-03-02T00:00:00Z'], ['createdBefore', '2024-03-01T00:00:00Z']], ['limit', 'createdAfter']],
  ] as [[string, string][], string[]][])('every problem is listed together: %j', async (pairs, names) => {
    expectInvalid(await h.get(`/conversations${qs(pairs)}`), names);
  });

  it('cursor combined with a bad parameter lists both problems', async () => {
    expectInvalid(await h.get(`/conversations${qs([['cursor', cursor], ['status', 'bogus'], ['vendor', 'uncodie']])}`), ['status', 'vendor']);
  });
});

describe('vendor-dependent validation', () => {
  it.each([
    ['leadId', 'not-a-uuid', 'all vendors'],
    ['leadId', '018f3c1e-7b1a-7cc0-9a8e-5e8e2c1d9f00', 'all vendors (a UUIDv7)'],
    ['visitorId', '12345', 'all vendors'],
    ['userId', 'f41bb290-0404-44d7-c969-b21a7ec65b77', 'all vendors (wrong variant)'],
  ] as const)('a malformed %s (%s) with Uncodie included is a 400 and calls no vendor', async (param, value, _who) => {
    const before = totalCalls();
    const res = await h.get(`/conversations${qs([[param, value]])}`);
    expectInvalid(res, [param]);
    expect(totalCalls()).toBe(before);
  });

  it('a malformed leadId with Uncodie named among others is a 400 and calls no vendor', async () => {
    const before = totalCalls();
    const res = await h.get(`/conversations${qs([['vendor', 'superagentes,uncodie'], ['leadId', 'not-a-uuid']])}`);
    expectInvalid(res, ['leadId']);
    expect(totalCalls()).toBe(before);
  });

  it('the same leadId with only Superagentes skips Superagentes (it cannot filter by lead): 200', async () => {
    const sa = h.sims.get('superagentes')!;
    const before = sa.calls.length;
    const res = await h.get(`/conversations${qs([['vendor', 'superagentes'], ['leadId', 'not-a-uuid']])}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body.data).toEqual([]);
    expect(res.body.sources).toHaveLength(1);
    const [src] = res.body.sources;
    expect(src.vendor).toBe('superagentes');
    expect(src.status).toBe('skipped');
    expect(src.reason).toEqual(expect.any(String));
    expect(src.reason.length).toBeGreaterThan(0);
    expect(sa.calls.length).toBe(before);
  });

  it('strict=true with status=open (Uncodie cannot evaluate status) is a 400 naming status, no vendor called', async () => {
    const before = totalCalls();
    const res = await h.get('/conversations?strict=true&status=open');
    expectInvalid(res, ['status']);
    expect(res.body.invalidParams.find((p: { name: string }) => p.name === 'status').reason).toMatch(/uncodie/);
    expect(totalCalls()).toBe(before);
  });

  it('without strict, status=open skips Uncodie and answers 200', async () => {
    const res = await h.get('/conversations?status=open');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const unc = res.body.sources.find((s: { vendor: string }) => s.vendor === 'uncodie');
    expect(unc.status).toBe('skipped');
    expect(unc.reason).toMatch(/status/);
    for (const c of res.body.data) expect(c.status).toBe('open');
  });

  it('strict=true with status=open is fine when every named vendor can evaluate it', async () => {
    const res = await h.get('/conversations?strict=true&status=open&vendor=siteassist,superagentes');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.sources.map((s: { status: string }) => s.status)).toEqual(['ok', 'ok']);
  });
});

describe('cursors', () => {
  const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);

  it('a real cursor works', async () => {
    const res = await h.get(`/conversations${qs([['cursor', cursor]])}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.offset).toBe(2);
  });

  it.each([
    ['one payload character flipped (start)', () => flip(cursor, 3)],
    ['one payload character flipped (middle)', () => flip(cursor, Math.floor(cursor.indexOf('.') / 2))],
    ['one payload character flipped (just before the signature)', () => flip(cursor, cursor.indexOf('.') - 2)],
    ['one signature character flipped', () => flip(cursor, cursor.indexOf('.') + 5)],
    ['truncated by a few characters', () => cursor.slice(0, -5)],
    ['truncated to its payload', () => cursor.slice(0, cursor.indexOf('.'))],
    ['truncated to half', () => cursor.slice(0, Math.floor(cursor.length / 2))],
    ['payload without signature', () => `${cursor.slice(0, cursor.indexOf('.'))}.`],
    ['signature without payload', () => cursor.slice(cursor.indexOf('.'))],
    ['garbage', () => 'garbage'],
    ['garbage with a dot', () => 'a.b'],
    ['two dots', () => `${cursor}.x`],
    ['unsigned JSON', () => Buffer.from(JSON.stringify({ v: 1, query: {}, after: { time: 0, id: 'x' }, iat: 1 })).toString('base64url')],
  ])('a cursor %s is a 400 INVALID_CURSOR naming cursor', async (_why, make) => {
    const bad = make();
    expect(bad).not.toBe(cursor);
    const before = totalCalls();
    const res = await h.get(`/conversations${qs([['cursor', bad]])}`);
    expectInvalid(res, ['cursor'], 'INVALID_CURSOR');
    expect(totalCalls()).toBe(before);
  });

  // Regression: base64 decoders ignore the spare low bits of the last character, so comparing decoded
  // bytes let a neighbouring last character (or a trailing '=') through.
  it('a cursor whose last signature character is swapped for its base64url neighbour is rejected', async () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = cursor.at(-1)!;
    const neighbour = alphabet[(alphabet.indexOf(last) ^ 1)]!;
    for (const bad of [cursor.slice(0, -1) + neighbour, `${cursor}=`]) {
      expectInvalid(await h.get(`/conversations${qs([['cursor', bad]])}`), ['cursor'], 'INVALID_CURSOR');
    }
  });

  it('a payload re-signed with another cursor\'s signature is rejected', async () => {
    const other = (await h.get('/conversations?limit=3')).body.nextCursor as string;
    expect(other).not.toBe(cursor);
    const forged = cursor.slice(0, cursor.indexOf('.')) + other.slice(other.indexOf('.'));
    const res = await h.get(`/conversations${qs([['cursor', forged]])}`);
    expectInvalid(res, ['cursor'], 'INVALID_CURSOR');
  });
});

describe('routes and request ids', () => {
  it.each(['/nope', '/conversations/siteassist:1/messages', '/conversation', '/'])('GET %s is a 404 problem+json NOT_FOUND', async (path) => {
    const res = await h.get(path);
    expectProblem(res, 404, 'NOT_FOUND');
  });

  it('a caller-supplied X-Request-Id comes back in the header and in problem bodies', async () => {
    const ok = await h.get('/conversations?limit=1', { 'x-request-id': 'abc-123' });
    expect(ok.status).toBe(200);
    expect(ok.headers['x-request-id']).toBe('abc-123');

    const invalid = await h.get('/conversations?limit=0', { 'x-request-id': 'abc-123' });
    expectInvalid(invalid, ['limit']);
    expect(invalid.headers['x-request-id']).toBe('abc-123');
    expect(invalid.body.requestId).toBe('abc-123');

    const badCursor = await h.get('/conversations?cursor=garbage', { 'x-request-id': 'abc-123' });
    expectProblem(badCursor, 400, 'INVALID_CURSOR');
    expect(badCursor.body.requestId).toBe('abc-123');

    const notFound = await h.get('/nope', { 'x-request-id': 'abc-123' });
    expectProblem(notFound, 404, 'NOT_FOUND');
    expect(notFound.body.requestId).toBe('abc-123');
  });

  it('an unusable X-Request-Id is replaced by one of our own', async () => {
    const res = await h.get('/conversations?limit=0', { 'x-request-id': 'has spaces; and=more' });
    expectInvalid(res, ['limit']);
    expect(res.headers['x-request-id']).not.toBe('has spaces; and=more');
    expect(res.headers['x-request-id']!.length).toBeGreaterThan(0);
  });

  it('the vendor sees the same request id', async () => {
    const sa = h.sims.get('superagentes')!;
    const before = sa.calls.length;
    const res = await h.get('/conversations?vendor=superagentes&limit=1', { 'x-request-id': 'trace-42' });
    expect(res.status).toBe(200);
    const calls = sa.calls.slice(before);
    expect(calls.length).toBeGreaterThan(0);
    for (const c of calls) expect(c.headers['x-request-id']).toBe('trace-42');
  });
});

/** How the gateway decodes a query component: `+` is a space, broken %-sequences stay as written. */
function decodeComponent(s: string): string {
  const t = s.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(t);
  } catch {
    return t.replace(/(?:%[0-9A-Fa-f]{2})+/g, (m) => {
      try {
        return decodeURIComponent(m);
      } catch {
        return m;
      }
    });
  }
}

describe('property: no query string makes the gateway fail', () => {
  /** A query component, either percent-encoded from text or written raw (for broken %-sequences). */
  const encoded = (arb: fc.Arbitrary<string>) => arb.map((s) => encodeURIComponent(s));
  const RAW_ODD = ['%', '%zz', '%E0%A4%A', '%C0%80', '%ED%A0%80', '%00', '%2B', '%26', '%3D', '%25', '+', 'a+b', '%FF%FE', '%F0%9F%98'];

  const nameArb = fc.oneof(
    { weight: 12, arbitrary: encoded(fc.constantFrom(...PARAMS)) },
    { weight: 1, arbitrary: encoded(fc.constantFrom('foo', 'Limit', 'limit ', ' limit', '__proto__', 'constructor', 'vendor[]', 'órderBy', '🙂', 'a'.repeat(300))) },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_ODD, 'li%6Dit', 'st%61tus') },
    { weight: 1, arbitrary: encoded(fc.string({ unit: 'binary', maxLength: 12 })) },
  );

  const valueArb = (name: string) =>
    fc.oneof(
      { weight: 14, arbitrary: encoded(fc.constantFrom(...(Object.hasOwn(VALID, name) ? VALID[name as Param] : ['x']))) },
      {
        weight: 3,
        arbitrary: encoded(
          fc.constantFrom('', ' ', 'open', 'nope', '0', '-1', '101', '1.5', 'NaN', 'Infinity', '1e3', 'true', 'TRUE', 'null',
            'uncodie,,nope', 'messages,raw,raw', '2024-02-30T00:00:00Z', '2024-05-01', '9999-12-31T23:59:59Z',
            UUID_A, UUID_A.toUpperCase(), '018f3c1e-7b1a-7cc0-9a8e-5e8e2c1d9f00', 'a.b', 'eyJ2IjoxfQ.AAAA'),
        ),
      },
      { weight: 2, arbitrary: encoded(fc.string({ unit: 'binary', maxLength: 40 })) },
      { weight: 1, arbitrary: encoded(fc.string({ unit: 'grapheme', maxLength: 40 })) },
      { weight: 1, arbitrary: fc.constantFrom(...RAW_ODD) },
      { weight: 1, arbitrary: fc.integer({ min: 150, max: 3000 }).map((n) => 'x'.repeat(n)) },
    );

  const pairArb = nameArb.chain((name) => valueArb(decodeComponent(name)).map((value) => [name, value] as const));
  const queryArb = fc.array(pairArb, { minLength: 1, maxLength: 4 });

  it('never 5xx; every non-200 is problem+json with a known code; a 400 names only parameters that were sent', async () => {
    await fc.assert(
      fc.asyncProperty(queryArb, async (pairs) => {
        const query = pairs.map(([n, v]) => `${n}=${v}`).join('&');
        const res = await h.get(`/conversations?${query}`);
        const info = `${query.slice(0, 300)} → ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`;
        expect(res.status, info).toBeLessThan(500);
        if (res.status === 200) {
          expect(res.body.object, info).toBe('list');
          return;
        }
        expect(res.headers['content-type'], info).toMatch(/^application\/problem\+json/);
        expect(ERROR_CODES, info).toContain(res.body.code);
        expect(res.body.status, info).toBe(res.status);
        expect(ERROR_CATALOGUE[res.body.code as keyof typeof ERROR_CATALOGUE].status, info).toBe(res.status);
        expect(res.body.requestId, info).toBe(res.headers['x-request-id']);
        if (res.body.code === 'INVALID_REQUEST') {
          const sent = new Set(pairs.flatMap(([n]) => [n, decodeComponent(n)]));
          const listed: { name: string; reason: string }[] = res.body.invalidParams;
          expect(Array.isArray(listed) && listed.length > 0, info).toBe(true);
          for (const p of listed) {
            expect(sent.has(p.name), `${info}: ${p.name} was not sent`).toBe(true);
            expect(p.reason.trim().length, info).toBeGreaterThan(0);
          }
        }
      }),
      { numRuns: 200 },
    );
  }, 120_000);
});
