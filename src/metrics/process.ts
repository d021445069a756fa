/**
 * Process metrics (CPU, memory, event-loop lag, GC, handles) describe the process, not one app, so one
 * registry holds them for the whole process. Each `collectDefaultMetrics` call starts an event-loop-delay
 * monitor and a GC observer that are never stopped: one per app (tests build hundreds; every config
 * reload builds one) would pile them up.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';

let shared: Registry | undefined;

const GAUGES_NAMED_TOTAL = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

export function processRegistry(): Registry {
  if (!shared) {
    shared = new Registry();
    collectDefaultMetrics({ register: shared });
    // Gauges named like counters fail `promtool check metrics`; each is the sum of its by-type gauge
    // (nodejs_active_handles, nodejs_active_requests, nodejs_active_resources), so nothing is lost.
    for (const name of GAUGES_NAMED_TOTAL) shared.removeSingleMetric(name);
  }
  return shared;
}
