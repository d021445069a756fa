import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HUGE_TIME, parseFaults, startSimulator, type Simulator } from '../../sim/kit.js';
import { siteassistBehaviour, siteassistSimulator } from '../../sim/siteassist.js';
import { get } from './helpers.js';

describe('parseFaults (SIM_FAULTS for npm start)', () => {
  it('reads vendor=kind[:number] lists', () => {
    expect(parseFaults('superagentes=rateLimit:30, uncodie=slow:800,siteassist=html:503,a=hang,b=rateLimit')).toEqual({
      superagentes: { kind: 'rateLimit', retryAfter: 30 },
      uncodie: { kind: 'slow', ms: 800 },
      siteassist: { kind: 'html', status: 503 },
      a: { kind: 'hang' },
      b: { kind: 'rateLimit', header: false },
    });
    expect(parseFaults('')).toEqual({});
  });

  it('reads the hostile vendors: echo as text, looping cursors, one-instant floods, deep nesting, huge timestamps, reversed pages', () => {
    expect(parseFaults('a=echoText,b=echoText:201,c=loopCursor,d=sameTimestamp,e=deepNesting:900,f=deepNesting,g=hugeTimestamp,h=reversed')).toEqual({
      a: { kind: 'echo', format: 'text' },
      b: { kind: 'echo', format: 'text', status: 201 },
      c: { kind: 'loopCursor' },
      d: { kind: 'sameTimestamp' },
      e: { kind: 'deepNesting', depth: 900 },
      f: { kind: 'deepNesting' },
      g: { kind: 'hugeTimestamp' },
      h: { kind: 'reversed' },
    });
  });

  it('starts a fault @SECONDS after the simulator: healthy until then, hostile after', async () => {
    expect(parseFaults('a=loopCursor@20,b=rateLimit:99999999999999@5')).toEqual({
      a: { kind: 'loopCursor', afterMs: 20_000 },
      b: { kind: 'rateLimit', retryAfter: 99999999999999, afterMs: 5_000 },
    });
    const s = await startSimulator(siteassistBehaviour({ query: {} }), { data: siteassistSimulator.demoData(1, 5), fault: { kind: 'internal', afterMs: 150 } });
    try {
      expect((await get(s.url, '/v2/conversations')).status).toBe(200);
      expect(s.fault).toBeNull();
      await new Promise((r) => setTimeout(r, 300));
      expect(s.fault).toEqual({ kind: 'internal', afterMs: 150 });
      expect((await get(s.url, '/v2/conversations')).status).toBe(500);
    } finally {
      await s.close();
    }
  });

  it('names what it cannot read', () => {
    expect(() => parseFaults('x=explode')).toThrowError(/unknown fault kind "explode"/);
    expect(() => parseFaults('x')).toThrowError(/"x" is not vendor=kind/);
  });
});

describe('hostile simulator faults, over real HTTP', () => {
  const PATH = '/v2/conversations';
  const AUTH = { authorization: 'Bearer tok-0123456789' };
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator(siteassistBehaviour({ bearer: 'tok-0123456789', query: {} }), { data: siteassistSimulator.demoData(3, 40) });
  });
  afterAll(async () => sim?.close());

  it('echo as text: a 2xx text/plain body that starts with our credentials, after `pad` filler, then the query', async () => {
    sim.fault = { kind: 'echo', format: 'text', pad: 5 };
    const r = await get(sim.url, PATH, { site_id: 'abc' }, AUTH);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/plain/);
    expect(r.text.startsWith('.....authorization: Bearer tok-0123456789; query site_id=abc; headers {')).toBe(true);
  });

  it('loopCursor: every call answered as the first one, whatever it asks', async () => {
    sim.fault = { kind: 'loopCursor' };
    const first = await get(sim.url, PATH, { limit: '5', offset: '0' }, AUTH);
    const later = await get(sim.url, PATH, { limit: '5', offset: '5' }, AUTH);
    expect(later.text).toBe(first.text);
    expect(first.json().data).toHaveLength(5);
    sim.fault = null;
    expect((await get(sim.url, PATH, { limit: '5', offset: '5' }, AUTH)).text).not.toBe(first.text);
  });

  it('sameTimestamp: every item at one instant', async () => {
    sim.fault = { kind: 'sameTimestamp' };
    const rows = (await get(sim.url, PATH, { limit: '40' }, AUTH)).json().data as Record<string, unknown>[];
    expect(new Set(rows.map((r) => r.createdAt)).size).toBe(1);
    expect(new Set(rows.map((r) => r.updatedAt ?? null)).size).toBe(1);
  });

  it('deepNesting: the first item carries a value 10,000 levels deep (still valid JSON)', async () => {
    sim.fault = { kind: 'deepNesting' };
    const body = (await get(sim.url, PATH, { limit: '3' }, AUTH)).json();
    let v = body.data[0].nested;
    let depth = 0;
    while (typeof v === 'object') (v = v.a), depth++;
    expect(depth).toBe(10_000);
    expect(body.data[1].nested).toBeUndefined();
  });

  it('hugeTimestamp: the first item has every timestamp past the Date range', async () => {
    sim.fault = { kind: 'hugeTimestamp' };
    const rows = (await get(sim.url, PATH, { limit: '3' }, AUTH)).json().data;
    expect(rows[0]).toMatchObject({ createdAt: HUGE_TIME, updatedAt: HUGE_TIME });
    expect(typeof rows[1].createdAt).toBe('string');
    sim.fault = null;
  });
});
