import { describe, expect, it } from 'vitest';
import { parseFaults } from '../../sim/kit.js';

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

  it('names what it cannot read', () => {
    expect(() => parseFaults('x=explode')).toThrowError(/unknown fault kind "explode"/);
    expect(() => parseFaults('x')).toThrowError(/"x" is not vendor=kind/);
  });
});
