/**
 * A real gateway process with OTEL_EXPORTER_OTLP_ENDPOINT pointing at an OTLP/HTTP receiver on loopback
 * (a node http server here, the exporter set to JSON by OTEL_EXPORTER_OTLP_PROTOCOL): the spans of a
 * request arrive under the caller's trace, and the process's log lines carry its trace id.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedSimulators, startGatewayProcess, type GatewayProcess } from '../helpers/redis.js';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: Record<string, unknown> }[];
}

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const PARENT = 'b7ad6b7169203331';

let receiver: Server;
const posts: { path: string; contentType: string | undefined; body: any }[] = [];
let sims: Awaited<ReturnType<typeof sharedSimulators>>;
let gw: GatewayProcess;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      posts.push({ path: req.url ?? '', contentType: req.headers['content-type'], body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  const a = receiver.address();
  const port = typeof a === 'object' && a ? a.port : 0;
  sims = await sharedSimulators(40);
  gw = await startGatewayProcess({
    ...sims.env,
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    // Export within 100 ms rather than the default 5 s.
    OTEL_BSP_SCHEDULE_DELAY: '100',
    OTEL_SERVICE_NAME: 'switchboard-test',
  });
}, 30_000);
afterAll(async () => {
  await gw?.stop();
  await sims?.close();
  await new Promise<void>((r) => receiver?.close(() => r()));
});

const spansIn = () =>
  posts.flatMap((p) => (p.body.resourceSpans ?? []).flatMap((rs: any) => (rs.scopeSpans ?? []).flatMap((ss: any) => ss.spans as OtlpSpan[])));
const attr = (s: OtlpSpan, key: string) => {
  const v = s.attributes.find((a) => a.key === key)?.value;
  return v ? (v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : undefined)) : undefined;
};

describe('OTLP/HTTP export from a gateway process', () => {
  it('exports the request span under the caller\'s traceparent and the vendor spans under it; the log line has the trace id', async () => {
    const res = await fetch(`${gw.url}/conversations?limit=2&vendor=siteassist`, { headers: { traceparent: `00-${TRACE_ID}-${PARENT}-01`, 'x-request-id': 'otlp-test-1' } });
    expect(res.status).toBe(200);
    for (let i = 0; i < 100 && !spansIn().some((s) => s.traceId === TRACE_ID && s.kind === 2); i++) await new Promise((r) => setTimeout(r, 50));
    expect(posts[0]!.path).toBe('/v1/traces');
    expect(posts[0]!.contentType).toMatch(/application\/json/);
    const resource = posts[0]!.body.resourceSpans[0].resource.attributes as OtlpSpan['attributes'];
    expect(resource.find((a) => a.key === 'service.name')?.value.stringValue).toBe('switchboard-test');
    const mine = spansIn().filter((s) => s.traceId === TRACE_ID);
    const server = mine.find((s) => s.kind === 2)!; // SERVER
    expect(server).toMatchObject({ name: 'GET /conversations', parentSpanId: PARENT });
    expect(attr(server, 'switchboard.request_id')).toBe('otlp-test-1');
    expect(attr(server, 'http.response.status_code')).toBe(200);
    const vendor = mine.filter((s) => s.kind === 3); // CLIENT
    expect(vendor.length).toBeGreaterThan(0);
    for (const v of vendor) {
      expect(v.parentSpanId).toBe(server.spanId);
      expect(attr(v, 'switchboard.vendor')).toBe('siteassist');
    }
    // The simulator runs here: it received the vendor span's traceparent.
    const sent = sims.sims.get('siteassist')!.calls.map((c) => c.headers.traceparent).filter(Boolean);
    expect(sent).toContain(`00-${TRACE_ID}-${vendor[0]!.spanId}-01`);
    // The request line goes out with its batch, at most 200 ms after the answer (src/inbound/log-sink.ts).
    const lineOf = () => gw.output().split('\n').filter((l) => l.includes('"requestId":"otlp-test-1"')).map((l) => JSON.parse(l))[0];
    for (let i = 0; i < 100 && !lineOf(); i++) await new Promise((r) => setTimeout(r, 50));
    const line = lineOf();
    expect(line).toMatchObject({ msg: 'request', trace_id: TRACE_ID, span_id: server.spanId });
  });
});
