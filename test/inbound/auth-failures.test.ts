/**
 * Failed authentication is throttled per remote address: a burst of wrong keys, then 429 problem+json
 * with Retry-After for that address until a failure's worth has refilled; other addresses, and every
 * success, are untouched. Real HTTP from distinct loopback addresses, time from a manual clock.
 */
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthFailureThrottle, addressKey } from '../../src/inbound/auth-failures.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { bearer, ManualClock, newKey } from './clients.js';

const good = newKey();
const clock = new ManualClock();
let h: Harness;
const agents = new Map<string, Agent>();

beforeAll(async () => {
  h = await startHarness({
    clock,
    gatewayYaml: `
inbound:
  clients:
    - { id: good, keySha256: ${good.sha256} }
  rateLimit: { perMinute: 60000, burst: 10000 }
  authFailures: { perMinute: 10, burst: 20 }
`,
  });
});
afterAll(async () => {
  await Promise.all([...agents.values()].map((a) => a.close()));
  await h?.close();
});

/** GET from a chosen loopback address (Linux answers on all of 127.0.0.0/8). */
async function from(address: string, path: string, headers: Record<string, string> = {}) {
  let agent = agents.get(address);
  if (!agent) agents.set(address, (agent = new Agent({ localAddress: address })));
  const res = await request(h.url + path, { headers, dispatcher: agent });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers as Record<string, string>, body: JSON.parse(text) };
}

describe('failed authentication', () => {
  it('300 wrong keys from one address are 20 × 401, then 429 with Retry-After in the problem schema; successes elsewhere are unaffected', async () => {
    const answers: Awaited<ReturnType<typeof from>>[] = [];
    for (let batch = 0; batch < 6; batch++) {
      answers.push(...(await Promise.all(Array.from({ length: 50 }, () => from('127.0.0.2', '/conversations?limit=1', bearer(newKey()))))));
    }
    const count = (status: number) => answers.filter((a) => a.status === status).length;
    expect([count(401), count(429)]).toEqual([20, 280]);
    const last = answers.at(-1);
    expect(last!.headers['content-type']).toBe('application/problem+json');
    // 10 a minute: one failure's worth is back in 6 s.
    expect(last!.headers['retry-after']).toBe('6');
    expect(last!.body).toMatchObject({ status: 429, code: 'RATE_LIMITED', requestId: last!.headers['x-request-id'] });
    expect(last!.body.detail).toMatch(/failed authentication attempts from this address/);
    // Told once per episode, not once per refusal.
    expect(h.logger.lines.filter((l) => l.level === 'warn' && /too many failed authentication/.test(l.msg ?? ''))).toHaveLength(1);

    // Another address is untouched, and its successes never spend the failure budget.
    for (let i = 0; i < 30; i++) expect((await from('127.0.0.3', '/conversations?limit=1', bearer(good))).status).toBe(200);
    expect((await from('127.0.0.3', '/vendors', bearer(newKey()))).status).toBe(401);

    // The blocked address is refused before its key is checked, a right one included: else a 200 among
    // the 429s would still tell a guess that hit.
    expect((await from('127.0.0.2', '/conversations?limit=1', bearer(good))).status).toBe(429);
    // A failure's worth later, it may try once more.
    clock.t += 6_000;
    expect((await from('127.0.0.2', '/conversations?limit=1', bearer(good))).status).toBe(200);
    expect((await from('127.0.0.2', '/conversations?limit=1', bearer(newKey()))).status).toBe(401);
    expect((await from('127.0.0.2', '/conversations?limit=1', bearer(newKey()))).status).toBe(429);
    // No key at all guesses nothing and costs nothing, but is refused like the rest while blocked.
    expect((await from('127.0.0.4', '/conversations?limit=1')).status).toBe(401);
  });

  it('remembers a bounded number of addresses (LRU), IPv6 by its /64', () => {
    const t = new AuthFailureThrottle({ enabled: true, perMinute: 1, burst: 1, maxAddresses: 2 });
    t.failed('10.0.0.1', 0);
    expect(t.blockedFor('10.0.0.1', 0)).toBe(60_000);
    t.failed('10.0.0.2', 0);
    t.failed('10.0.0.3', 0);
    // The least recently seen address was forgotten to make room.
    expect(t.blockedFor('10.0.0.1', 0)).toBe(0);
    expect(t.blockedFor('10.0.0.3', 0)).toBe(60_000);
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe(addressKey('2001:db8:1:2:bbbb:cccc:dddd:eeee'));
    expect(addressKey('2001:db8:1:2::1')).not.toBe(addressKey('2001:db8:1:3::1'));
    expect(addressKey('::ffff:10.0.0.1')).toBe('10.0.0.1');
  });
});
