/**
 * Tracing off (no OTLP endpoint): no span is made, a caller's traceparent is not passed on to vendors, and
 * the environment decides it the standard way.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEnv, tracingWanted } from '../../src/env.js';
import { tracingOn } from '../../src/tracing/tracing.js';
import { ROOT, startHarness, type Harness } from '../helpers/harness.js';

describe('tracing off', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  it('without an OTLP endpoint nothing is traced and a caller\'s traceparent reaches no vendor', async () => {
    expect(tracingOn()).toBe(false);
    const res = await h.get('/conversations?limit=2', { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    expect(res.status).toBe(200);
    const calls = [...h.sims.values()].flatMap((s) => s.calls);
    expect(calls.length).toBeGreaterThan(0);
    for (const c of calls) expect(c.headers.traceparent).toBeUndefined();
  });

  it('is on with OTEL_EXPORTER_OTLP_ENDPOINT or _TRACES_ENDPOINT, and off with OTEL_SDK_DISABLED=true in any case', () => {
    const wanted = (env: Record<string, string>) => tracingWanted(readEnv(env).vars);
    expect(wanted({})).toBe(false);
    expect(wanted({ OTEL_EXPORTER_OTLP_ENDPOINT: '' })).toBe(false);
    expect(wanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(wanted({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toBe(true);
    expect(wanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'TRUE' })).toBe(false);
    expect(() => readEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
  });
});

/** The packages src/server.ts loads at start: its static imports, followed through src/ (`import type` aside). */
async function startupPackages(): Promise<Set<string>> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = async (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = await readFile(file, 'utf8');
    for (const m of text.matchAll(/^(?:import|export)(?!\s+type\b)[^'"]*?from\s+'([^']+)'|^import\s+'([^']+)'/gm)) {
      const spec = (m[1] ?? m[2])!;
      if (spec.startsWith('.')) await visit(join(dirname(file), spec.replace(/\.js$/, '.ts')));
      else if (!spec.startsWith('node:')) packages.add(spec);
    }
  };
  await visit(join(ROOT, 'src/server.ts'));
  return packages;
}

describe('tracing off, at start', () => {
  it("the server loads the OpenTelemetry SDK only when tracing is wanted (it was a third of a second of every start): the API alone otherwise", async () => {
    const packages = await startupPackages();
    expect(packages).toContain('@opentelemetry/api');
    expect(packages).toContain('undici');
    expect([...packages].filter((p) => p.startsWith('@opentelemetry/sdk-') || p.startsWith('@opentelemetry/exporter-'))).toEqual([]);
  });
});
