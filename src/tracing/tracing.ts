/**
 * Spans, through @opentelemetry/api only. Tracing is off until `startTracing` (src/tracing/sdk.ts) turns it
 * on; while off, every helper here returns before touching the API, so a request costs one boolean check
 * per span site and no allocation (issue 15: CPU per request).
 *
 * What spans carry is chosen to be safe to ship to a collector: route patterns and paths, never query
 * strings (configs may put vendor keys there) or hosts; client ids from config; request ids.
 */
import { context, propagation, SpanKind, SpanStatusCode, trace, type Context, type Span, type TextMapGetter } from '@opentelemetry/api';

let on = false;

/** Whether spans are made at all. */
export const tracingOn = (): boolean => on;

/** Called by startTracing once a tracer provider is registered. */
export function markTracingOn(value = true): void {
  on = value;
}

const tracer = () => trace.getTracer('switchboard');

const headerGetter: TextMapGetter<Headers> = {
  keys: (h) => [...h.keys()],
  get: (h, key) => h.get(key) ?? undefined,
};

/** The caller's W3C trace context (`traceparent`, `tracestate`), as the parent of our request span. */
export function callerContext(headers: Headers): Context {
  return propagation.extract(context.active(), headers, headerGetter);
}

export function startServerSpan(name: string, parent: Context): Span {
  return tracer().startSpan(name, { kind: SpanKind.SERVER }, parent);
}

export function startClientSpan(name: string, attributes: Record<string, string | number>): Span {
  return tracer().startSpan(name, { kind: SpanKind.CLIENT, attributes });
}

export function startInternalSpan(name: string, attributes: Record<string, string | number>): Span {
  return tracer().startSpan(name, { kind: SpanKind.INTERNAL, attributes });
}

/** Runs `fn` with `span` as the active span, so spans and log lines made inside are its children. */
export function withSpan<T>(span: Span, fn: () => T): T {
  return context.with(trace.setSpan(context.active(), span), fn);
}

/** Marks a span failed with a unified error code (never a vendor's raw message: it may echo secrets). */
export function failSpan(span: Span, code: string): void {
  span.setAttribute('error.type', code);
  span.setStatus({ code: SpanStatusCode.ERROR, message: code });
}

/** Adds the active span's `traceparent` (and `tracestate`) to an outgoing call's headers. */
export function injectTraceHeaders(headers: Record<string, string>): Record<string, string> {
  if (!on) return headers;
  const out = { ...headers };
  propagation.inject(context.active(), out);
  return out;
}

/** The active span's ids for a log line, or undefined. */
export function logIds(): { trace_id: string; span_id: string } | undefined {
  if (!on) return undefined;
  const span = trace.getActiveSpan();
  if (!span) return undefined;
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}
