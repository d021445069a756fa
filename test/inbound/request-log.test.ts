/**
 * The request log line of a refusal, over real HTTP: at warn, with the problem code, the names of the
 * invalid parameters, and the query on its own field with every value that could be a secret masked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { bearer, newKey } from './clients.js';

const full = newKey();
const noScope = newKey();
const gatewayYaml = `
inbound:
  clients:
    - id: full
      keySha256: ${full.sha256}
    - id: no-scope
      keySha256: ${noScope.sha256}
      scopes: [vendors:read]
  rateLimit: { perMinute: 60, burst: 3 }
  authFailures: { enabled: false }
`;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ gatewayYaml, env: { CLIENT_RATE_PER_MINUTE: '60', CLIENT_RATE_BURST: '3' } });
});
afterAll(async () => {
  await h?.close();
});

/** The `request` line of the answer with this request id. */
const lineOf = (res: { headers: Record<string, string> }) => {
  const id = res.headers['x-request-id'];
  const line = h.logger.lines.find((l) => l.msg === 'request' && (l.obj as { requestId?: string }).requestId === id);
  if (!line) throw new Error(`no request line for ${id}`);
  return line as { level: string; obj: Record<string, unknown> };
};

describe('request log lines', () => {
  it('a 400 is logged at warn with its code, the invalid parameter names and the query, an api_key in it masked', async () => {
    const res = await h.get('/conversations?limit=abc&api_key=sk_live_0123456789&orderBy=nope&token=t0ps3cret', bearer(full));
    expect(res.status).toBe(400);
    const line = lineOf(res);
    expect(line.level).toBe('warn');
    expect(line.obj).toMatchObject({ status: 400, code: 'INVALID_REQUEST', path: '/conversations', clientId: 'full' });
    expect(line.obj.invalidParams).toEqual(expect.arrayContaining(['limit', 'orderBy']));
    expect(line.obj.query).toBe('limit=abc&api_key=[REDACTED]&orderBy=nope&token=[REDACTED]');
    expect(JSON.stringify(h.logger.lines)).not.toMatch(/sk_live_0123456789|t0ps3cret/);
  });

  it('a 401 is logged at warn with UNAUTHORIZED; the key sent is nowhere in the line', async () => {
    const res = await h.get('/conversations?limit=1', { authorization: 'Bearer sb_wrong_key_0123456789abcdef' });
    expect(res.status).toBe(401);
    const line = lineOf(res);
    expect(line).toMatchObject({ level: 'warn', obj: { status: 401, code: 'UNAUTHORIZED', query: 'limit=1' } });
    expect(JSON.stringify(line)).not.toMatch(/sb_wrong_key/);
  });

  it('a 403 is logged at warn with FORBIDDEN and the client', async () => {
    const res = await h.get('/conversations', bearer(noScope));
    expect(res.status).toBe(403);
    expect(lineOf(res)).toMatchObject({ level: 'warn', obj: { status: 403, code: 'FORBIDDEN', clientId: 'no-scope' } });
  });

  it('a 429 is logged at warn with RATE_LIMITED; a 200 at info without a code', async () => {
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await h.get('/conversations?limit=1', bearer(full)));
    const ok = answers.find((r) => r.status === 200)!;
    const limited = answers.find((r) => r.status === 429)!;
    expect(limited).toBeDefined();
    expect(lineOf(limited)).toMatchObject({ level: 'warn', obj: { status: 429, code: 'RATE_LIMITED', clientId: 'full' } });
    const okLine = lineOf(ok);
    expect(okLine.level).toBe('info');
    expect(okLine.obj.code).toBeUndefined();
  });
});
