/**
 * Caller values reach vendors only through the mapping, encoded: they can't add a parameter, change a
 * path or reach another host. Caller headers are never forwarded.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());
beforeEach(() => {
  for (const s of h.sims.values()) s.calls.length = 0;
});

const HOSTILE = ['x&evil=1', '../../admin?x=1', 'http://169.254.169.254/latest', 'a\r\nX-Injected: 1', '%2e%2e%2f', 'a#frag', "'; DROP TABLE x;--"];

describe('no injection', () => {
  it.each(HOSTILE)('the value %j arrives as one parameter, encoded, on the configured path', async (value) => {
    const res = await h.get(`/conversations?vendor=superagentes&search=${encodeURIComponent(value)}&channel=${encodeURIComponent(value)}`);
    expect(res.status).toBe(200);
    const [call] = h.sims.get('superagentes')!.calls;
    expect(call!.path).toBe('/api/user-conversations');
    expect(call!.query.getAll('search')).toEqual([value]);
    expect(call!.query.getAll('channel')).toEqual([value]);
    expect([...call!.query.keys()].sort()).toEqual(['channel', 'search']);
    expect(call!.headers['x-injected']).toBeUndefined();
  });

  it('never forwards the caller\'s Authorization, Cookie, Origin or other headers', async () => {
    const res = await h.get('/conversations?limit=5', {
      authorization: 'Bearer caller-token',
      cookie: 'session=caller',
      origin: 'https://evil.example',
      'x-forwarded-for': '10.0.0.1',
      'x-custom': 'caller',
    });
    expect(res.status).toBe(200);
    // Uncodie answers 403 to any Origin: an ok source proves none was forwarded.
    expect(res.body.sources.every((s: { status: string }) => s.status === 'ok')).toBe(true);
    for (const sim of h.sims.values()) {
      for (const call of sim.calls) {
        expect(call.headers.origin).toBeUndefined();
        expect(call.headers.cookie).toBeUndefined();
        expect(call.headers['x-custom']).toBeUndefined();
        expect(call.headers['x-forwarded-for']).toBeUndefined();
        expect(String(call.headers.authorization ?? '')).not.toContain('caller-token');
        // Our request id does travel, so logs can be joined.
        expect(call.headers['x-request-id']).toBe(res.headers['x-request-id']);
      }
    }
  });
});
