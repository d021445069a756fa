/** Demo data never mixes into real answers: which vendors embedded simulators serve (src/config/simulators.ts). */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulators, siteassistSimulator } from '../../sim/index.js';
import { startSimulator, type Simulator } from '../../sim/kit.js';
import { ConfigError } from '../../src/config/load.js';
import { simulatorMode } from '../../src/config/simulators.js';
import { buildGateway } from '../../src/gateway.js';
import { memoryLogger, ROOT } from '../helpers/harness.js';

const CONFIG = join(ROOT, 'config');
let real: Simulator;
beforeAll(async () => {
  real = await startSimulator(siteassistSimulator.behaviour({ bearer: 'a-real-token', query: {} }), { data: siteassistSimulator.demoData(3, 20) });
});
afterAll(() => real?.close());
const realSiteassist = () => ({ SITEASSIST_BASE_URL: real.url, SITEASSIST_TOKEN: 'a-real-token' });

describe('embedded simulators', () => {
  it('one real base URL leaves no vendor on a simulator: the others are a start error naming their variables, and none starts', async () => {
    const logger = memoryLogger();
    const e = await buildGateway({ configDir: CONFIG, env: realSiteassist(), logger, simulators }).then(() => null, (err: unknown) => err);
    expect(e).toBeInstanceOf(ConfigError);
    const problems = (e as ConfigError).problems;
    expect(problems.map((p) => [p.file, p.path])).toEqual([
      ['vendors/superagentes.yaml', 'baseUrl'],
      ['vendors/uncodie.yaml', 'baseUrl'],
    ]);
    expect(problems[0]!.message).toMatch(/^is empty: set SUPERAGENTES_BASE_URL, or set enabled: false; .*siteassist has a base URL/);
    expect(problems[1]!.message).toMatch(/^is empty: set UNCODIE_BASE_URL, or set enabled: false/);
    expect(logger.lines.filter((l) => l.msg === 'started embedded simulator')).toEqual([]);
    expect(real.calls).toHaveLength(0);
  });

  it('SIMULATORS=on mixes them in when asked, with a warning naming each simulated vendor', async () => {
    const logger = memoryLogger();
    const gateway = await buildGateway({ configDir: CONFIG, env: realSiteassist(), logger, simulators, simulatorMode: 'on' });
    try {
      expect([...gateway.simulators.keys()].sort()).toEqual(['superagentes', 'uncodie']);
      const warned = logger.lines.filter((l) => l.level === 'warn' && /SIMULATORS=on/.test(l.msg ?? '')).map((l) => (l.obj as { vendor: string }).vendor);
      expect(warned.sort()).toEqual(['superagentes', 'uncodie']);
      const res = await gateway.fetch(new Request('http://localhost/conversations?vendor=siteassist&limit=3'));
      expect(res.status).toBe(200);
      expect(real.calls.length).toBeGreaterThan(0);
    } finally {
      await gateway.close();
    }
  });

  it('with no base URL at all (npm start on a fresh checkout) every vendor is simulated', async () => {
    const logger = memoryLogger();
    const gateway = await buildGateway({ configDir: CONFIG, env: {}, logger, simulators });
    try {
      expect([...gateway.simulators.keys()].sort()).toEqual(['siteassist', 'superagentes', 'uncodie']);
      const res = await gateway.fetch(new Request('http://localhost/conversations?limit=3'));
      const body = (await res.json()) as { sources: { status: string }[] };
      expect(body.sources.map((s) => s.status)).toEqual(['ok', 'ok', 'ok']);
    } finally {
      await gateway.close();
    }
  });

  it('NODE_ENV=production never starts one, whatever SIMULATORS says', () => {
    expect(simulatorMode({ SIMULATORS: 'auto', NODE_ENV: 'production' })).toBe('off');
    expect(simulatorMode({ SIMULATORS: 'on', NODE_ENV: 'production' })).toBe('off'); // and src/env.ts refuses that pair
    expect(simulatorMode({ SIMULATORS: 'auto', NODE_ENV: 'development' })).toBe('auto');
    expect(simulatorMode({ SIMULATORS: 'auto' })).toBe('auto');
  });
});
