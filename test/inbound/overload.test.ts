/** Requests beyond the concurrency bound wait their turn; beyond the queue, 503 OVERLOADED. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ gatewayYaml: 'http:\n  maxConcurrent: 2\n  maxQueued: 2\n' });
});
afterAll(async () => h?.close());

describe('overload', () => {
  it('serves up to maxConcurrent + maxQueued at once and refuses the rest with Retry-After', async () => {
    for (const s of h.sims.values()) s.latencyMs = 150;
    const results = await Promise.all(Array.from({ length: 6 }, () => h.get('/conversations?limit=2&vendor=siteassist')));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 503, 503]);
    const refused = results.find((r) => r.status === 503)!;
    expect(refused.body).toMatchObject({ code: 'OVERLOADED', status: 503 });
    expect(refused.headers['retry-after']).toBe('1');
    // The queue drains: the next request is served.
    expect((await h.get('/conversations?limit=2&vendor=siteassist')).status).toBe(200);
  });
});
