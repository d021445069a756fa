/**
 * createApp: the HTTP surface as a pure function of its dependencies. Tests build it with their own
 * config and call `app.request()` or serve it on port 0.
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from './app-env.js';
import type { GatewayConfig } from './config/gateway-schema.js';
import { conversationRoutes } from './conversations/routes.js';
import type { ListDeps } from './conversations/list.js';
import { authIsOff, clientAuth } from './inbound/auth.js';
import { inputLimits } from './inbound/limits.js';
import { frontDoor } from './inbound/front-door.js';
import { createInboundGuards, type InboundGuards } from './inbound/guards.js';
import { clientRateLimit } from './inbound/rate-limit.js';
import { createMetrics, type GatewayMetrics } from './metrics/metrics.js';
import { VendorHealthTracker } from './ops/vendor-health.js';
import { vendorRoutes } from './ops/vendors.js';
import { HealthSchema, ReadinessSchema } from './ops/ops-schema.js';
import { serveDocs } from './openapi/docs.js';
import { serveOpenApi } from './openapi/document.js';
import { REQUEST_ID_HEADERS } from './openapi/responses.js';
import type { SourceReport } from './conversations/list.js';
import type { VendorFailure } from './errors/gateway-error.js';
import type { StateStore } from './state/store.js';
import type { Mirrors } from './mirror/mirrors.js';

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface AppDeps extends ListDeps {
  gateway: GatewayConfig;
  logger: Logger;
  /** Where each answer's request line goes (default: `logger`). */
  requestLogger?: Pick<Logger, 'info' | 'warn'>;
  /** Shared state: breakers and 429 memory (for /vendors, /metrics), and where it lives (for /readyz). */
  store: StateStore;
  /**
   * Per-client (per-address) limits, apart from `store` so an inbound flood can't evict outbound state
   * (default: `store.separate()`; pass one made once to keep the buckets across config reloads).
   */
  inboundStore?: StateStore;
  /** False while starting or draining: /readyz answers 503. */
  ready?: () => boolean;
  /** Prometheus metrics; pass one made once to keep counting across config reloads (default: a new one). */
  metrics?: GatewayMetrics;
  /** Last success and error per vendor, for /vendors; pass one made once to keep it across reloads. */
  health?: VendorHealthTracker;
  /** The mirrors (their catalog serves pages; their status feeds /vendors, /readyz and /metrics). */
  mirrors?: Mirrors;
  /** The guards that count across requests; pass ones made once so a reload keeps their counts (default: new ones). */
  guards?: InboundGuards;
  /** false: /metrics is served by a listener of its own (createMetricsApp), not here. Default true. */
  serveMetrics?: boolean;
}

export function createApp(deps: AppDeps) {
  const inbound = deps.gateway.inbound;
  if (authIsOff(inbound)) {
    deps.logger.warn({}, 'AUTH IS OFF: no clients in gateway.yaml inbound.clients, so every caller is served. Configure clients and set AUTH_REQUIRED=true before exposing this gateway');
  }
  const app = new OpenAPIHono<AppEnv>();
  const metrics = deps.metrics ?? createMetrics();
  const guards = deps.guards ?? createInboundGuards(deps.gateway, deps);
  metrics.bind({
    vendors: deps.vendors,
    store: deps.store,
    upstream: deps.upstream,
    clients: inbound.clients.map((c) => c.id),
    overload: guards.overload,
    heavy: guards.heavy,
    ...(deps.mirrors ? { mirrors: deps.mirrors } : {}),
  });

  frontDoor(app, { metrics, logger: deps.logger, ...(deps.requestLogger ? { requestLogger: deps.requestLogger } : {}), ...(deps.ready ? { ready: deps.ready } : {}) });
  app.use(inputLimits(inbound));
  // Every client-facing route is guarded here (add future ones, e.g. /vendors/*, to this list).
  const auth = clientAuth(inbound, { failures: { throttle: guards.authFailures, clock: deps.clock, logger: deps.logger } });
  const rateLimit = clientRateLimit(inbound, { ...deps, store: deps.inboundStore ?? deps.store.separate() });
  for (const path of ['/conversations/*']) app.use(path, auth, rateLimit, guards.overload.middleware);
  for (const path of ['/vendors/*']) app.use(path, auth, rateLimit);

  app.openapi(healthzRoute, (c) => c.json({ status: 'ok' as const }, 200));
  app.openapi(readyzRoute, async (c) => {
    const ready = deps.ready?.() ?? true;
    const stateStore = deps.store.mode?.() ?? 'memory';
    // A warming mirror doesn't make a replica unready: its vendor is read live meanwhile. The states are shown for operators.
    const statuses = deps.mirrors ? await deps.mirrors.status().catch(() => null) : null;
    const mirrors = statuses ? { mirrors: Object.fromEntries([...statuses].map(([v, s]) => [v, s.state])) } : {};
    if (!ready) return c.json({ status: 'not ready' as const, stateStore, ...mirrors }, 503);
    // Nor does Redis being away: the replica serves on its own state, so it stays in rotation (200), but says
    // it is degraded. Failing the probe would take every replica out at once when Redis is down or its URL
    // has a typo, turning looser limits into an outage (README, "Readiness").
    const degraded = stateStoreProblem(deps.store);
    if (degraded) return c.json({ status: 'degraded' as const, stateStore, degraded: [degraded], ...mirrors }, 200);
    return c.json({ status: 'ready' as const, stateStore, ...mirrors }, 200);
  });
  // With a metrics listener of its own (METRICS_PORT), /metrics is only there.
  if (deps.serveMetrics ?? true) serveMetrics(app, metrics);
  const health = deps.health ?? new VendorHealthTracker();
  // Each answer's per-vendor outcome feeds the metrics and the health /vendors shows.
  const observer = {
    observeSources: (sources: readonly SourceReport[]) => {
      metrics.observeSources(sources);
      health.record(sources, deps.clock.now());
    },
    observeFailures: (errors: readonly (VendorFailure & { vendor: string })[]) => {
      metrics.observeFailures(errors);
      health.recordFailures(errors, deps.clock.now());
    },
  };
  const heavy = { acquire: (signal: AbortSignal) => guards.heavy.acquire(signal), depth: deps.gateway.limits.maxLimit };
  app.route('/', conversationRoutes(deps.gateway, { ...deps, upstream: metrics.instrument(deps.upstream), heavy }, observer));
  app.route('/', vendorRoutes({ vendors: deps.vendors, store: deps.store, clock: deps.clock, health, ...(deps.mirrors ? { mirrors: deps.mirrors } : {}) }));
  // The contract of every route above, and a reference page over it (both open, like /healthz).
  serveOpenApi(app);
  serveDocs(app, guards.downloads);
  return app;
}

export type App = ReturnType<typeof createApp>;

/** No key needed (probes and Prometheus), said outright: an operation without `security` reads as undocumented. */
const OPEN: [] = [];

/** Why the shared state store makes this replica degraded, or null: a URL that never answered reads as a likely typo. */
function stateStoreProblem(store: StateStore): string | null {
  if (store.mode?.() !== 'fallback:memory') return null;
  if (store.reachedOnce && !store.reachedOnce()) return 'stateStore: Redis has not been reachable since this process started (check STATE_STORE); limits, 429 memory and breakers are this replica\'s own';
  return 'stateStore: Redis is unreachable; limits, 429 memory and breakers are this replica\'s own until it is back';
}

/**
 * The app of the metrics listener (METRICS_PORT): only GET /metrics, with the same request ids, path and
 * method checks and problem+json refusals as the main app.
 */
export function createMetricsApp(deps: { metrics: GatewayMetrics; logger: Logger; requestLogger?: Pick<Logger, 'info' | 'warn'>; ready?: () => boolean }) {
  const app = new OpenAPIHono<AppEnv>();
  frontDoor(app, deps);
  serveMetrics(app, deps.metrics);
  return app;
}

/** Open like /healthz and outside the client limits: Prometheus scrapes it. Restrict it at the network. */
function serveMetrics(app: OpenAPIHono<AppEnv>, metrics: GatewayMetrics): void {
  // Described, not validated: its body is Prometheus text.
  app.openAPIRegistry.registerPath(metricsRoute);
  app.get('/metrics', async (c) => c.body(await metrics.scrape(), 200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' }));
}

const healthzRoute = createRoute({
  method: 'get',
  path: '/healthz',
  operationId: 'healthz',
  security: OPEN,
  tags: ['Operations'],
  summary: 'Alive',
  responses: { 200: { description: 'The process is alive.', headers: REQUEST_ID_HEADERS, content: { 'application/json': { schema: HealthSchema } } } },
});

const readyzRoute = createRoute({
  method: 'get',
  path: '/readyz',
  operationId: 'readyz',
  security: OPEN,
  tags: ['Operations'],
  summary: 'Ready to serve',
  responses: {
    200: { description: 'Ready, or degraded: serving, with `degraded` saying what is missing (a shared state store that is unreachable).', headers: REQUEST_ID_HEADERS, content: { 'application/json': { schema: ReadinessSchema } } },
    503: { description: 'Starting or draining: take this replica out of rotation.', headers: REQUEST_ID_HEADERS, content: { 'application/json': { schema: ReadinessSchema } } },
  },
});

const metricsRoute = createRoute({
  method: 'get',
  path: '/metrics',
  operationId: 'metrics',
  security: OPEN,
  tags: ['Operations'],
  summary: 'Prometheus metrics',
  description: 'The Prometheus text format. Open and outside the client rate limit so Prometheus can scrape it: restrict it at the network.',
  responses: { 200: { description: 'Metrics.', content: { 'text/plain; version=0.0.4': { schema: { type: 'string' } } } } },
});
