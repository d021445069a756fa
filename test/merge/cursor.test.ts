import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCursorCodec, CursorError, type CursorState } from '../../src/merge/cursor.js';

const state: Omit<CursorState, 'iat'> = {
  query: { vendors: ['a'], filters: { status: 'open' }, orderBy: 'createdAt', orderDir: 'desc', include: [], strict: false, explain: false, onVendorError: 'partial' },
  after: { time: 1_700_000_000_000, id: 'a:1' },
  offset: 20,
  limit: 10,
  positions: { a: { token: 30, skip: 0 }, b: 'done' },
  totals: { a: 50, b: 3 },
};

describe('cursor codec', () => {
  it('round-trips the state it signs', () => {
    const codec = createCursorCodec('secret-secret-secret', 3600);
    const decoded = codec.decode(codec.encode(state));
    expect(decoded).toMatchObject(state);
  });

  it('works in another process that shares the secret (stateless)', () => {
    const cursor = createCursorCodec('shared-secret-123456', 3600).encode(state);
    expect(createCursorCodec('shared-secret-123456', 3600).decode(cursor).offset).toBe(20);
  });

  it('rejects a cursor signed with another secret', () => {
    const cursor = createCursorCodec('one-secret-123456789', 3600).encode(state);
    expect(() => createCursorCodec('another-secret-12345', 3600).decode(cursor)).toThrowError(CursorError);
  });

  it('rejects every single-character change to the payload or the signature', () => {
    const codec = createCursorCodec('secret-secret-secret', 3600);
    const cursor = codec.encode(state);
    for (let i = 0; i < cursor.length; i += 7) {
      const c = cursor[i] === 'A' ? 'B' : 'A';
      const tampered = cursor.slice(0, i) + c + cursor.slice(i + 1);
      if (tampered === cursor) continue;
      expect(() => codec.decode(tampered), `position ${i}`).toThrowError(CursorError);
    }
  });

  it('rejects truncated cursors and garbage', () => {
    const codec = createCursorCodec('secret-secret-secret', 3600);
    const cursor = codec.encode(state);
    for (const bad of [cursor.slice(0, -3), cursor.slice(5), 'abc', '.', 'a.b.c', '']) {
      expect(() => codec.decode(bad), bad).toThrowError(CursorError);
    }
  });

  it('expires after its configured age', () => {
    let now = 1_000_000_000_000;
    const codec = createCursorCodec('secret-secret-secret', 60, () => now);
    const cursor = codec.encode(state);
    now += 59_000;
    expect(codec.decode(cursor).offset).toBe(20);
    now += 2_000;
    expect(() => codec.decode(cursor)).toThrowError(/expired/);
  });

  it('refuses any string that is not a cursor it issued, and any mutation of one, with CursorError only', () => {
    const codec = createCursorCodec('secret-secret-secret', 3600);
    const real = codec.encode(state);
    const mutation = fc.tuple(fc.nat({ max: real.length - 1 }), fc.string({ minLength: 1, maxLength: 3 })).map(([i, s]) => real.slice(0, i) + s + real.slice(i + 1));
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.base64String(), fc.string({ unit: 'binary' }), mutation), (s) => {
        fc.pre(s !== real);
        expect(() => codec.decode(s)).toThrowError(CursorError);
      }),
      { numRuns: 2_000 },
    );
  });
});
