/**
 * What a vendor says reaches callers only redacted and host-free. Vendors here echo our credentials and
 * fixed query values back (as a 2xx text/plain body, and in their JSON error envelope with the secret
 * placed across the cut), and hang (so our own messages about them are seen): no secret, and no prefix of
 * one, is in any response, /vendors or log line, and no message carries a vendor's host.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorModule } from '../../sim/kit.js';
import { cursorlySimulator } from '../dialects/cursorly.js';
import { SEED_VENDORS, startHarness, type Harness, type VendorUnderTest } from '../helpers/harness.js';

const SECRETS = {
  SITEASSIST_TOKEN: 'site-secret-Pk27Lm',
  UNCODIE_API_KEY: 'unc-secret-key-Hb55Tr',
  // A fixed query parameter (Uncodie's scope): redacted like a credential.
  UNCODIE_SITE_ID: '5d0c7a41-93b2-4e6f-8a1d-2c3b4e5f6a7b',
  CURSORLY_PASSWORD: 'curs-secret-Qm48Vx',
};
// An `api_key` in a fixed query parameter.
const QUERY_KEY = 'qk-secret-Wn93Ja';
const ALL = [...Object.values(SECRETS), QUERY_KEY, Buffer.from(`test-cursorly-user:${SECRETS.CURSORLY_PASSWORD}`).toString('base64')];
/** Long enough that finding one in a text means a secret (or its prefix) leaked, not a coincidence. */
const prefixes = ALL.map((s) => s.slice(0, 8));

let h: Harness;
let dir: string;
const seen: string[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'redaction-'));
  h = await startHarness({
    vendors: [...SEED_VENDORS.filter((v) => v.name !== 'superagentes'), await cursorlyWithQueryKey(dir)],
    env: { ...SECRETS, UPSTREAM_TIMEOUT_MS: '300' },
  });
});
afterEach(() => {
  for (const sim of h.sims.values()) sim.fault = null;
  h.resetState();
});
afterAll(async () => {
  await h?.close();
  await rm(dir, { recursive: true, force: true });
});

/** While set, Cursorly puts the api_key it was sent into its next cursor. */
let keyInCursor = false;

/** Cursorly (Basic auth) with an api_key in its fixed query. */
async function cursorlyWithQueryKey(dir: string): Promise<VendorUnderTest> {
  const file = join(dir, 'cursorly.yaml');
  const yaml = await readFile(fileURLToPath(new URL('../dialects/cursorly.yaml', import.meta.url)), 'utf8');
  await writeFile(file, yaml.replace(/^request:\n/m, `request:\n  query:\n    api_key: ${QUERY_KEY}\n`));
  const module: SimulatorModule = {
    ...cursorlySimulator,
    behaviour(creds) {
      const real = cursorlySimulator.behaviour(creds);
      return {
        ...real,
        handle(req, data) {
          const r = real.handle(req, data);
          const body = r.body as { next_cursor?: string | null };
          return keyInCursor && body.next_cursor ? { ...r, body: { ...body, next_cursor: `${body.next_cursor}.${req.query.get('api_key')}` } } : r;
        },
      };
    },
  };
  return { name: 'cursorly', module, configFile: file };
}

async function record(path: string) {
  const res = await h.get(path);
  seen.push(JSON.stringify(res.headers), typeof res.body === 'string' ? res.body : JSON.stringify(res.body));
  return res;
}

const everything = () => [...seen, ...h.logger.lines.map((l) => JSON.stringify(l))].join('\n');
const sourceOf = (body: { sources: { vendor: string }[] }, vendor: string) => body.sources.find((s) => s.vendor === vendor) as any;

describe('credentials a vendor echoes', () => {
  it('a 2xx text/plain body echoing the Authorization header, api key and fixed query values leaks none of them', async () => {
    // The credential starts 3 characters before the 40-character snippet's cut, and at its start.
    for (const pad of [0, 40 - 'authorization: Bearer '.length - 3]) {
      for (const sim of h.sims.values()) sim.fault = { kind: 'echo', format: 'text', pad };
      const res = await record('/conversations?limit=3');
      expect(res.status).toBe(502);
      expect(res.body.errors.map((e: { code: string }) => e.code)).toEqual(['UPSTREAM_INVALID_RESPONSE', 'UPSTREAM_INVALID_RESPONSE', 'UPSTREAM_INVALID_RESPONSE']);
      for (const sim of h.sims.values()) sim.fault = null;
      // One vendor echoing while the others answer: the failure is in sources[] (and then in /vendors).
      h.sims.get('siteassist')!.fault = { kind: 'echo', format: 'text', pad };
      const partial = await record('/conversations?limit=3');
      const error = sourceOf(partial.body, 'siteassist').error;
      expect(error).toMatchObject({ code: 'UPSTREAM_INVALID_RESPONSE', upstreamStatus: 200, message: expect.stringMatching(/^expected a JSON body, got text\/plain/) });
      // Redacted before the snippet was cut: what is left of the token is the marker's start, not its own.
      expect(error.message).toMatch(pad === 0 ? /\(authorization: Bearer \[REDACTED\]; query …\)$/ : /\(\.+authorization: Bearer \[RE…\)$/);
      await record('/vendors');
    }
    expect(everything()).toContain('Bearer [REDACTED]');
    expect(everything()).toContain('x-api-key: [REDACTED]');
  });

  it('a secret straddling the 300-character cut of a vendor message is redacted before the cut, and vendor codes are capped', async () => {
    // debug: <pad>authorization: Bearer <token>…: the token starts at 295, across the cut at 300.
    const pad = 295 - 'debug: '.length - 'authorization: Bearer '.length;
    for (const sim of h.sims.values()) sim.fault = { kind: 'echo', status: 500, pad };
    const res = await record('/conversations?limit=3&vendor=siteassist,cursorly');
    expect(res.status).toBe(502);
    for (const e of res.body.errors) expect(e.message.length).toBeLessThanOrEqual(300);
    const site = res.body.errors.find((e: { vendor: string }) => e.vendor === 'siteassist');
    expect(site.message).toMatch(/authorization: Bearer \[REDA$/);
    // SiteAssist's code (error.code) is the echo too: 300 characters of it, capped.
    expect(site.upstreamCode).toBe('.'.repeat(64));
    await record('/vendors');
  });

  it("a next cursor that carries our api key is not handed on in the caller's nextCursor: that vendor fails", async () => {
    keyInCursor = true;
    try {
      const res = await record('/conversations?limit=3&vendor=siteassist,cursorly');
      expect(res.status).toBe(200);
      expect(sourceOf(res.body, 'cursorly').error).toMatchObject({ code: 'UPSTREAM_INVALID_RESPONSE', message: "cursorly's next cursor carries one of the credentials we send it; not handed on in ours" });
      const payload = Buffer.from(res.body.nextCursor.split('.')[0], 'base64url').toString('utf8');
      seen.push(payload);
      expect(payload).not.toContain(QUERY_KEY);
    } finally {
      keyInCursor = false;
    }
  });

  it('no secret, nor any prefix of one, is in any response, /vendors or log line', async () => {
    await record('/vendors');
    const text = everything();
    expect(seen.length).toBeGreaterThan(8);
    for (const p of prefixes) expect(text, p).not.toContain(p);
    expect(text).toContain('[REDACTED]');
  });
});

describe('our messages about a vendor', () => {
  it('name the vendor and its path, never its host; the log line has the origin', async () => {
    const site = h.sims.get('siteassist')!;
    site.fault = { kind: 'hang' };
    const res = await record('/conversations?limit=3');
    expect(res.status).toBe(200);
    const error = sourceOf(res.body, 'siteassist').error;
    expect(error).toMatchObject({ code: 'UPSTREAM_TIMEOUT', message: 'siteassist GET /v2/conversations: no complete answer within 300 ms' });
    const vendors = await record('/vendors');
    const listed = vendors.body.data.find((v: { name: string }) => v.name === 'siteassist');
    expect(listed.state.lastError.message).toBe(error.message);

    // Every vendor failing: the problem's detail and errors[] are host-free too.
    for (const sim of h.sims.values()) sim.fault = { kind: 'hang' };
    const all = await record('/conversations?limit=3');
    expect(all.status).toBe(504);
    const host = new URL(site.url).host;
    for (const text of [JSON.stringify(res.body), JSON.stringify(all.body), JSON.stringify(listed.state)]) expect(text).not.toContain(host);
    expect(all.body.detail).toContain('siteassist UPSTREAM_TIMEOUT (siteassist GET /v2/conversations: no complete answer within 300 ms)');

    // The full URL is the operator's: the request's log line has the origin beside the message.
    for (const r of [res, all]) {
      const line = h.logger.lines.find((l) => l.msg === 'request' && (l.obj as { requestId?: string }).requestId === r.headers['x-request-id']);
      expect((line!.obj as { vendors: unknown[] }).vendors).toContainEqual(
        expect.objectContaining({ vendor: 'siteassist', status: 'error', code: 'UPSTREAM_TIMEOUT', origin: site.url, message: error.message }),
      );
    }
  });
});
