/**
 * The inbound guards that count across requests: the overload guard, the failed-auth throttle and the
 * download slots. Made once per process (buildGateway) and handed to every app a reload builds, so a
 * reload changes their limits and never resets what they count.
 */
import type { Logger } from '../app.js';
import type { GatewayConfig } from '../config/gateway-schema.js';
import type { Clock } from '../state/clock.js';
import { AuthFailureThrottle } from './auth-failures.js';
import { DownloadSlots } from './downloads.js';
import { OverloadGuard, type OverloadLimits } from './overload.js';

export interface InboundGuards {
  readonly overload: OverloadGuard;
  /** Of the requests the overload guard admitted, those that may hold many vendor items (http.maxHeavy). */
  readonly heavy: OverloadGuard;
  readonly authFailures: AuthFailureThrottle;
  readonly downloads: DownloadSlots;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Applies a (reloaded) config's limits. */
  configure(gateway: GatewayConfig): void;
}

const overloadLimits = (g: GatewayConfig, maxConcurrent = g.http.maxConcurrent): OverloadLimits => ({
  maxConcurrent,
  maxQueued: g.http.maxQueued,
  maxQueueWaitMs: g.http.maxQueueWaitMs ?? g.upstream.timeoutMs,
});

export function createInboundGuards(gateway: GatewayConfig, deps: { clock: Clock; logger: Logger }): InboundGuards {
  const overload = new OverloadGuard(overloadLimits(gateway), deps.clock);
  const heavy = new OverloadGuard(overloadLimits(gateway, gateway.http.maxHeavy), deps.clock, 'deep or whole reads');
  const authFailures = new AuthFailureThrottle(gateway.inbound.authFailures);
  const downloads = new DownloadSlots(gateway.http.downloads, deps.clock);
  return {
    overload,
    heavy,
    authFailures,
    downloads,
    logger: deps.logger,
    clock: deps.clock,
    configure(g) {
      overload.configure(overloadLimits(g));
      heavy.configure(overloadLimits(g, g.http.maxHeavy));
      authFailures.configure(g.inbound.authFailures);
      downloads.configure(g.http.downloads);
    },
  };
}
