/**
 * Process metrics (CPU, memory, event-loop lag, GC, handles) describe the process, not one app, so one
 * registry holds them for the whole process. Each `collectDefaultMetrics` call starts an event-loop-delay
 * monitor and a GC observer that are never stopped: one per app (tests build hundreds; every config
 * reload builds one) would pile them up.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';

let shared: Registry | undefined;

export function processRegistry(): Registry {
  if (!shared) {
    shared = new Registry();
    collectDefaultMetrics({ register: shared });
  }
  return shared;
}
