/**
 * Starts OpenTelemetry tracing with @opentelemetry/sdk-node, configured the standard way: the SDK reads
 * OTEL_EXPORTER_OTLP_ENDPOINT (or _TRACES_ENDPOINT), OTEL_EXPORTER_OTLP_PROTOCOL (http/protobuf by default;
 * http/json and grpc too), OTEL_EXPORTER_OTLP_HEADERS, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES and
 * OTEL_TRACES_SAMPLER itself. Off unless an endpoint is set (server.ts decides, from env.ts): no exporter
 * then, and the API stays the no-op. server.ts imports this module only when tracing is wanted. Traces only: the gateway's metrics are Prometheus (/metrics) and its
 * logs are pino lines, so the SDK's metric and log exporters are not started.
 */
import { NodeSDK } from '@opentelemetry/sdk-node';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { markTracingOn } from './tracing.js';

export interface TracingOptions {
  version: string;
  commit?: string;
  /** Tests pass their own (an in-memory exporter); by default the SDK builds the OTLP exporter from OTEL_*. */
  spanProcessors?: SpanProcessor[];
}

export interface Tracing {
  /** Exports what is buffered and stops (call on shutdown, before exit). */
  shutdown(): Promise<void>;
}

export function startTracing(opts: TracingOptions): Tracing {
  const sdk = new NodeSDK({
    // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (the env detector) override these defaults.
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: 'switchboard',
      [ATTR_SERVICE_VERSION]: opts.version,
      ...(opts.commit ? { 'vcs.ref.head.revision': opts.commit } : {}),
    }),
    ...(opts.spanProcessors ? { spanProcessors: opts.spanProcessors } : {}),
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();
  markTracingOn(true);
  return {
    async shutdown() {
      markTracingOn(false);
      await sdk.shutdown();
    },
  };
}
