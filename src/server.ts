/** The process entry point: env → gateway → serve, and a graceful drain on signals. The one file with side effects. */
import { pino } from 'pino';
import { simulators } from '../sim/index.js';
import { parseFaults } from '../sim/kit.js';
import { readEnv, tracingWanted } from './env.js';
import { packageVersion } from './metrics/build.js';
import { logIds } from './tracing/tracing.js';
import { createMetricsApp } from './app.js';
import { buildGateway } from './gateway.js';
import { gatewayServer, listen } from './inbound/listener.js';
import { logSink } from './inbound/log-sink.js';
import { ConfigError } from './config/load.js';
import { simulatorMode } from './config/simulators.js';
import { watchConfig } from './config/watch.js';
import { redisStore, type RedisStateStore } from './state/redis-store.js';

const { vars, all } = (() => {
  try {
    return readEnv();
  } catch (e) {
    // No logger yet (its level is in the env): one plain message, no stack.
    console.error((e as Error).message);
    process.exit(1);
  }
})();
const pretty = vars.LOG_FORMAT === 'pretty';
// Request lines are batched (at most 200 ms late); every other line is written at once, in order after them.
const sink = pretty ? undefined : logSink(1, { maxDelayMs: 200, maxChars: 16_384 });
if (sink) process.on('exit', sink.flush);
const logOptions = {
  level: vars.LOG_LEVEL,
  base: { service: 'switchboard' },
  // Belt and braces: nothing we log carries these, and if something ever does they stay hidden.
  redact: ['*.authorization', '*.cookie', '*.headers.authorization', '*.headers["x-api-key"]', 'cursorSecret'],
  // Each line made inside a span carries its trace_id and span_id (nothing while tracing is off).
  // A fresh object each time: pino merges the line's fields into what mixin returns.
  mixin: () => logIds() ?? {},
  ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true } } } : {}),
};
const logger = sink ? pino(logOptions, sink.now) : pino(logOptions);
const requestLogger = sink ? pino(logOptions, sink.batched) : logger;
let draining = false;
// Before anything serves, so every request is traced. Off without an OTLP endpoint: the API stays a no-op.
// The SDK is imported only then: loading @opentelemetry/sdk-node (every exporter) took a third of a second of each start.
const tracing = tracingWanted(vars)
  ? (await import('./tracing/sdk.js')).startTracing({ version: packageVersion(), ...(vars.BUILD_COMMIT ? { commit: vars.BUILD_COMMIT } : {}) })
  : undefined;
if (tracing) {
  // Where to, without any user:password the URL may hold.
  const to = new URL((vars.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? vars.OTEL_EXPORTER_OTLP_ENDPOINT)!);
  logger.info({ endpoint: `${to.protocol}//${to.host}${to.pathname}` }, 'tracing: exporting spans over OTLP');
}

try {
  let store: RedisStateStore | undefined;
  if (vars.STATE_STORE !== 'memory') {
    store = redisStore({ url: vars.STATE_STORE, prefix: vars.STATE_STORE_PREFIX, timeoutMs: vars.STATE_STORE_TIMEOUT_MS, logger });
    // Unreachable at start is no reason not to start: the store begins in fallback and keeps trying.
    await store.connect();
    logger.info({ stateStore: store.mode(), prefix: vars.STATE_STORE_PREFIX }, 'state store: Redis');
  }
  const gateway = await buildGateway({
    configDir: vars.CONFIG_DIR,
    env: all,
    logger,
    requestLogger,
    ready: () => !draining,
    ...(store ? { store } : {}),
    ...(vars.CURSOR_SECRET ? { cursorSecret: vars.CURSOR_SECRET } : {}),
    ...simulatorOptions(),
    simulatorData: { seed: vars.SIM_SEED, count: vars.SIM_COUNT },
    ...(vars.BUILD_COMMIT ? { commit: vars.BUILD_COMMIT } : {}),
    simulatorFaults: parseFaults(vars.SIM_FAULTS),
    ...(vars.MIRRORS === 'on' ? { mirrors: { store: vars.MIRROR_STORE, dataDir: vars.DATA_DIR, leaseMs: vars.MIRROR_LEASE_MS } } : {}),
    // With METRICS_PORT, /metrics is on its own listener only (ops keep it off the public port).
    ...(vars.METRICS_PORT !== undefined ? { serveMetrics: false } : {}),
  });
  const metricsServer = vars.METRICS_PORT !== undefined ? gatewayServer(createMetricsApp({ metrics: gateway.metrics, logger, requestLogger, ready: () => !draining }).fetch, { logger }) : undefined;
  if (metricsServer) {
    const host = vars.METRICS_HOST ?? vars.HOST;
    const { port } = await listen(metricsServer, vars.METRICS_PORT!, host);
    logger.info({ host, port }, 'metrics listening');
  }
  // Reload: a valid config serves new requests; an invalid one is logged and the old one keeps serving.
  // Set up before listening: once "listening" is logged, a SIGHUP reloads (it no longer ends the process)
  // and a change to the folder is seen (the watch has finished its first scan, or 5 s have passed).
  let reloading: Promise<unknown> = Promise.resolve();
  const reload = (why: string) => {
    logger.info({ why }, 'reloading config');
    reloading = reloading.then(() => gateway.reload()).catch((e) => logger.error({ err: e }, 'config reload failed'));
  };
  process.on('SIGHUP', () => reload('SIGHUP'));
  if (vars.CONFIG_WATCH) {
    const watcher = watchConfig(vars.CONFIG_DIR, () => reload('config changed'), { onError: (e) => logger.error({ err: e }, 'config watch failed') });
    await Promise.race([watcher.ready, new Promise((r) => setTimeout(r, 5_000).unref())]);
  }
  const server = gatewayServer(gateway.fetch, { logger });
  const { port } = await listen(server, vars.PORT, vars.HOST);
  logger.info({ host: vars.HOST, port, vendors: gateway.vendors.filter((v) => v.enabled).map((v) => v.name) }, 'switchboard listening');
  const { drainDelayMs, graceMs } = gateway.config.gateway.shutdown;

  const stop = async (signal: string) => {
    if (draining) return;
    draining = true;
    logger.info({ signal, drainDelayMs, graceMs }, 'draining: /readyz now answers 503');
    await new Promise((r) => setTimeout(r, drainDelayMs));
    // Stop accepting; let in-flight requests finish; drop keep-alive connections as they fall idle.
    const closed = new Promise<void>((r) => server.close(() => r()));
    const idle = setInterval(() => server.closeIdleConnections(), 50);
    const timedOut = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs).unref());
    if ((await Promise.race([closed, timedOut])) === 'timeout') {
      logger.warn({ graceMs }, 'grace period over: closing the remaining connections');
      server.closeAllConnections();
    }
    clearInterval(idle);
    metricsServer?.close();
    metricsServer?.closeAllConnections();
    await gateway.close();
    await store?.close();
    // The last spans are exported before exit (bounded: the exporter has its own timeout).
    await tracing?.shutdown().catch((e: unknown) => logger.warn({ err: { message: (e as Error).message } }, 'tracing: final export failed'));
    logger.info({}, 'stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));

} catch (e) {
  if (e instanceof ConfigError) {
    logger.fatal({ problems: e.problems }, e.message);
    console.error(e.message);
  } else {
    logger.fatal({ err: e }, 'failed to start');
    console.error(e instanceof Error ? e.message : String(e));
  }
  process.exitCode = 1;
}

/** Embedded simulators as the environment asks (src/config/simulators.ts decides which vendors they serve). */
function simulatorOptions(): { simulators?: typeof simulators; simulatorMode?: 'auto' | 'on' } {
  const mode = simulatorMode(vars);
  if (mode === 'off') return {};
  return { simulators, simulatorMode: mode };
}
