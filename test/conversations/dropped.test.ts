/** An item that can't be mapped is dropped, counted and logged once; the page still answers. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { superagentesSimulator } from '../../sim/superagentes.js';
import { startHarness, type Harness } from '../helpers/harness.js';

let h: Harness;
beforeAll(async () => {
  const data = superagentesSimulator.demoData(5, 20);
  for (const c of data.slice(0, 3)) c.id = ''; // the vendor sends rows without an id
  h = await startHarness({ data: { superagentes: data } });
});
afterAll(async () => h?.close());

describe('unmappable items', () => {
  it('are dropped and counted in sources[], and the rest of the page is served', async () => {
    const res = await h.get('/conversations?vendor=superagentes&limit=100');
    expect(res.status).toBe(200);
    expect(res.body.partial).toBe(false);
    expect(res.body.sources[0]).toMatchObject({ vendor: 'superagentes', status: 'ok', fetched: 20, dropped: 3, total: 17 });
    expect(res.body.data).toHaveLength(17);
    const warnings = h.logger.lines.filter((l) => l.level === 'warn' && (l.obj as { requestId?: string }).requestId === res.headers['x-request-id']);
    expect(warnings).toEqual([expect.objectContaining({ obj: expect.objectContaining({ vendor: 'superagentes', dropped: 3 }) })]);
    const line = h.logger.lines.find((l) => l.msg === 'request' && (l.obj as { requestId?: string }).requestId === res.headers['x-request-id']);
    expect((line!.obj as { vendors: unknown[] }).vendors).toEqual([expect.objectContaining({ vendor: 'superagentes', status: 'ok', dropped: 3, fetched: 20 })]);
  });
});
