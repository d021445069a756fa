/**
 * Secrets never leak: with known credentials configured, every error path (every fault of every vendor,
 * including one that echoes our request headers back) and every kind of response is searched for them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fault } from '../../sim/kit.js';
import { startHarness, type Harness } from '../helpers/harness.js';

const SECRETS = {
  SUPERAGENTES_TOKEN: 'sa-secret-token-Zx81Qw',
  SITEASSIST_TOKEN: 'site-secret-Pk27Lm',
  UNCODIE_API_KEY: 'unc-secret-key-Hb55Tr',
};
const CURSOR_SECRET = 'cursor-secret-Yy64Nd-long-enough';
const ALL = [...Object.values(SECRETS), CURSOR_SECRET];

const FAULTS: Fault[] = [
  { kind: 'echo' }, { kind: 'echo', status: 401 }, { kind: 'echo', status: 429 }, { kind: 'auth' }, { kind: 'internal' },
  { kind: 'unavailable' }, { kind: 'rateLimit', retryAfter: 9 }, { kind: 'html', status: 502 }, { kind: 'malformed' },
  { kind: 'wrongShape' }, { kind: 'reset' }, { kind: 'slow', ms: 600 },
];

let h: Harness;
const seen: string[] = [];
beforeAll(async () => {
  h = await startHarness({ env: { ...SECRETS, UPSTREAM_TIMEOUT_MS: '300' }, cursorSecret: CURSOR_SECRET });
});
afterAll(async () => h?.close());

async function record(path: string) {
  const res = await h.get(path);
  seen.push(JSON.stringify(res.headers), typeof res.body === 'string' ? res.body : JSON.stringify(res.body));
  return res;
}

describe('secrets', () => {
  it('the vendors really receive the configured credentials (so the search below means something)', async () => {
    await record('/conversations?limit=1');
    const headers = [...h.sims.values()].flatMap((s) => s.calls.map((c) => JSON.stringify(c.headers)));
    for (const s of Object.values(SECRETS)) expect(headers.join('\n')).toContain(s);
  });

  it('appear in no response and no log line, on any path', async () => {
    const first = await record('/conversations?limit=2&explain=true&include=raw');
    expect(first.status).toBe(200);
    await record(`/conversations?cursor=${encodeURIComponent(first.body.nextCursor)}`);
    await record(`/conversations?cursor=${encodeURIComponent(first.body.nextCursor.slice(0, -2))}`);
    await record('/conversations?limit=0&leadId=nope&vendor=uncodie');
    await record('/nope');
    for (const [name, sim] of h.sims) {
      for (const fault of FAULTS) {
        sim.fault = fault;
        const partial = await record('/conversations?limit=3&explain=true');
        expect(partial.status, `${name} ${fault.kind}`).toBe(200);
        await record(`/conversations?limit=3&vendor=${name}`);
        sim.fault = null;
        h.resetState();
      }
    }
    // Every vendor failing at once, echoing.
    for (const sim of h.sims.values()) sim.fault = { kind: 'echo', status: 502 };
    const all = await record('/conversations');
    expect(all.status).toBe(502);
    for (const sim of h.sims.values()) sim.fault = null;

    const text = [...seen, ...h.logger.lines.map((l) => JSON.stringify(l))].join('\n');
    expect(seen.length).toBeGreaterThan(70);
    for (const secret of ALL) expect(text, secret).not.toContain(secret);
    // The echo really was redacted rather than absent.
    expect(text).toContain('[REDACTED]');
  });
});
