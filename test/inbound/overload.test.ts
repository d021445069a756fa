/**
 * Requests beyond the concurrency bound wait their turn, for at most the longest queue wait; beyond the
 * queue, 503 OVERLOADED. One guard for the process: reloads change its limits, not its count.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { SteppedClock, until } from './stepped-clock.js';

describe('overload', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ gatewayYaml: 'http:\n  maxConcurrent: 2\n  maxQueued: 2\n' });
  });
  afterAll(async () => h?.close());

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
    for (const s of h.sims.values()) s.latencyMs = 0;
  });
});

/** A request that holds its slot until `release()`: its vendor never answers, and it leaves when told. */
function holder(h: Harness) {
  const leave = new AbortController();
  const done = request(`${h.url}/conversations?limit=1&vendor=siteassist`, { signal: leave.signal }).catch(() => undefined);
  return { release: () => (leave.abort(), done) };
}

describe('overload: the queue wait and the guard across reloads', () => {
  const clock = new SteppedClock();
  let h: Harness;
  const yaml = (maxConcurrent: number, maxQueued: number) =>
    `upstream:\n  timeoutMs: 60000\nhttp:\n  maxConcurrent: ${maxConcurrent}\n  maxQueued: ${maxQueued}\n  maxQueueWaitMs: 2000\n`;
  beforeAll(async () => {
    h = await startHarness({ clock, gatewayYaml: yaml(1, 100) });
  });
  afterAll(async () => h?.close());
  const guard = () => h.gateway.guards.overload;

  it('a queued request waits at most maxQueueWaitMs, then gets 503 OVERLOADED with Retry-After (the last of 60 waited 14 s with a 2 s deadline)', async () => {
    h.sims.get('siteassist')!.fault = { kind: 'hang' };
    const held = holder(h);
    await until(() => guard().active === 1, 'the slot taken');
    const queued = Array.from({ length: 5 }, () => h.get('/conversations?limit=1&vendor=siteassist'));
    await until(() => guard().queued === 5, 'five queued');
    clock.advance(1999);
    await new Promise((r) => setTimeout(r, 20));
    expect(guard().queued).toBe(5); // not yet
    clock.advance(1);
    const answers = await Promise.all(queued);
    for (const res of answers) {
      expect(res.status).toBe(503);
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(res.headers['retry-after']).toBe('2');
      expect(res.body).toMatchObject({ code: 'OVERLOADED', requestId: res.headers['x-request-id'] });
      expect(res.body.detail).toMatch(/no turn within 2000 ms/);
    }
    expect(guard().queued).toBe(0);
    h.sims.get('siteassist')!.fault = null;
    await held.release();
    await until(() => guard().active === 0, 'the slot freed');
    // A request that gets its turn within the wait is served as usual.
    expect((await h.get('/conversations?limit=1&vendor=siteassist')).status).toBe(200);
  });

  it('three reloads do not multiply maxConcurrent (6 running with MAX_CONCURRENT=2): the guard lives for the process, a reload changes its limits', async () => {
    const file = join(h.configDir, 'gateway.yaml');
    await writeFile(file, yaml(2, 0));
    expect((await h.gateway.reload()).ok).toBe(true);
    h.sims.get('siteassist')!.fault = { kind: 'hang' };
    const held = [holder(h), holder(h)];
    await until(() => guard().active === 2, 'both slots taken');
    for (let i = 0; i < 3; i++) expect((await h.gateway.reload()).ok).toBe(true);
    // Each reload built a new app; none brought slots of its own.
    const refused = await h.get('/conversations?limit=1&vendor=siteassist');
    expect(refused.status).toBe(503);
    expect(refused.body.code).toBe('OVERLOADED');
    expect(guard().active).toBe(2);
    // A reload that raises the limit lets one more in, and only one.
    await writeFile(file, yaml(3, 0));
    expect((await h.gateway.reload()).ok).toBe(true);
    held.push(holder(h));
    await until(() => guard().active === 3, 'the third slot taken');
    expect((await h.get('/conversations?limit=1&vendor=siteassist')).status).toBe(503);
    h.sims.get('siteassist')!.fault = null;
    await Promise.all(held.map((x) => x.release()));
    await until(() => guard().active === 0, 'the slots freed');
  });
});
