/**
 * Spans over real HTTP, caught by an in-memory exporter: one per request (route, status, request id,
 * client id) as a child of the caller's `traceparent`, one per vendor call (vendor, path, status, retries,
 * items) as its child, and the vendor call's `traceparent` sent to the vendor. Nothing secret in them.
 */
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTracing, type Tracing } from '../../src/tracing/sdk.js';
import { SEED_VENDORS, startHarness, type Harness } from '../helpers/harness.js';
import { bearer, newKey } from '../inbound/clients.js';

const alpha = newKey();
const gatewayYaml = `
inbound:
  clients:
    - id: alpha
      keySha256: ${alpha.sha256}
  rateLimit: { perMinute: 60000, burst: 10000 }
`;
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';
const traceparent = `00-${TRACE_ID}-${PARENT}-01`;

const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let h: Harness;
beforeAll(async () => {
  tracing = startTracing({ version: 'test', spanProcessors: [new SimpleSpanProcessor(exporter)] });
  h = await startHarness({ gatewayYaml });
});
afterAll(async () => {
  await h?.close();
  await tracing?.shutdown();
});
beforeEach(() => {
  exporter.reset();
  for (const s of h.sims.values()) s.calls.length = 0;
});

const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;

describe('traces', () => {
  it('a request is one SERVER span under the caller\'s traceparent; each vendor call a CLIENT span under it, whose traceparent the vendor receives', async () => {
    const res = await h.get('/conversations?limit=3&vendor=siteassist&search=hello', { ...bearer(alpha), traceparent });
    expect(res.status).toBe(200);
    const spans = exporter.getFinishedSpans();
    const server = spans.find((s) => s.name === 'GET /conversations')!;
    expect(server).toBeDefined();
    expect(server.spanContext().traceId).toBe(TRACE_ID);
    expect(parentOf(server)).toBe(PARENT);
    expect(server.attributes).toMatchObject({
      'http.route': '/conversations',
      'http.response.status_code': 200,
      'switchboard.request_id': res.headers['x-request-id'],
      'switchboard.client_id': 'alpha',
      'url.path': '/conversations',
    });

    const vendorSpans = spans.filter((s) => s.name === 'siteassist GET');
    expect(vendorSpans.length).toBeGreaterThan(0);
    for (const v of vendorSpans) {
      expect(v.spanContext().traceId).toBe(TRACE_ID);
      expect(parentOf(v)).toBe(server.spanContext().spanId);
      expect(v.attributes).toMatchObject({ 'switchboard.vendor': 'siteassist', 'http.response.status_code': 200, 'switchboard.retries': 0 });
      expect(v.attributes['switchboard.items']).toBeGreaterThan(0);
      expect(String(v.attributes['url.path'])).not.toContain('?');
    }
    const sent = h.sims.get('siteassist')!.calls.map((c) => c.headers.traceparent);
    expect(sent).toHaveLength(vendorSpans.length);
    expect(new Set(sent)).toEqual(new Set(vendorSpans.map((v) => `00-${TRACE_ID}-${v.spanContext().spanId}-01`)));
  });

  it('no span carries a query string, a credential or a vendor host', async () => {
    await h.get('/conversations?limit=2&api_key=sk_live_0123456789', { ...bearer(alpha), traceparent });
    await h.get('/conversations?limit=2', bearer(alpha));
    const text = JSON.stringify(exporter.getFinishedSpans().map((s) => ({ name: s.name, attributes: s.attributes, events: s.events })));
    expect(text).not.toMatch(/sk_live|api_key|127\.0\.0\.1|\?/);
    expect(text).not.toContain(alpha.key);
    for (const sim of h.sims.values()) for (const c of sim.calls) expect(text).not.toContain(c.query.toString() || '§none§');
  });

  it('a vendor that fails marks its span failed with the unified code, and the request without a traceparent starts a trace', async () => {
    h.sims.get('siteassist')!.fault = { kind: 'internal' };
    try {
      const res = await h.get('/conversations?limit=2&vendor=siteassist', bearer(alpha));
      expect(res.status).toBeGreaterThanOrEqual(500);
    } finally {
      h.sims.get('siteassist')!.fault = null;
      h.resetState();
    }
    const spans = exporter.getFinishedSpans();
    const server = spans.find((s) => s.name === 'GET /conversations')!;
    expect(parentOf(server)).toBeUndefined();
    expect(server.status.code).toBe(2); // ERROR
    const vendor = spans.find((s) => s.name === 'siteassist GET')!;
    expect(vendor.status).toMatchObject({ code: 2 });
    expect(vendor.attributes['error.type']).toMatch(/^UPSTREAM_/);
    expect(vendor.attributes['http.response.status_code']).toBe(500);
  });

  it('probes and scrapes (/healthz, /readyz, /metrics) make no span', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics']) expect((await h.get(path)).status).toBe(200);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it('a refusal is a span with its status and problem code', async () => {
    const res = await h.get('/conversations?limit=x', { ...bearer(alpha), traceparent });
    expect(res.status).toBe(400);
    const server = exporter.getFinishedSpans().find((s) => s.name === 'GET /conversations')!;
    expect(server.attributes).toMatchObject({ 'http.response.status_code': 400, 'switchboard.problem_code': 'INVALID_REQUEST' });
  });
});

describe('mirror sync passes', () => {
  it('each pass is a span of its own (vendor, kind, calls, items), and its vendor calls carry its traceparent', async () => {
    const m = await startHarness({ vendors: SEED_VENDORS.filter((v) => v.name === 'siteassist'), mirrors: { serveAlways: true } });
    try {
      await m.mirrorsReady();
      const pass = exporter.getFinishedSpans().find((s) => s.name === 'mirror full pass' && s.attributes['switchboard.vendor'] === 'siteassist')!;
      expect(pass).toBeDefined();
      expect(pass.attributes['switchboard.items']).toBeGreaterThan(0);
      expect(pass.attributes['switchboard.calls']).toBeGreaterThan(0);
      const sent = m.sims.get('siteassist')!.calls.map((c) => String(c.headers.traceparent ?? ''));
      expect(sent.some((t) => t.startsWith(`00-${pass.spanContext().traceId}-`))).toBe(true);
    } finally {
      await m.close();
    }
  });
});
