/**
 * Bounds the /conversations requests being worked on at once (each holds vendor pages in memory), the
 * queue of those waiting for a turn, and how long one waits in it. Past any of them the caller is told to
 * come back: 503 OVERLOADED with Retry-After, never an unbounded queue or an unbounded wait.
 *
 * One guard lives as long as the process: a config reload changes its limits, never its count of what is
 * in progress (a fresh guard per reload would let each config generation run its own `maxConcurrent`).
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { Clock } from '../state/clock.js';

export interface OverloadLimits {
  maxConcurrent: number;
  maxQueued: number;
  /** Longest wait for a turn. */
  maxQueueWaitMs: number;
}

/** Why a waiter's timer was stopped (never seen outside: the wait's catch takes both). */
const ADMITTED = Symbol('admitted');
const GONE = Symbol('caller gone');

interface Waiter {
  /** Called with the slot already counted as this waiter's. */
  admit(): void;
}

export class OverloadGuard {
  private limits: OverloadLimits;
  private running = 0;
  /** In arrival order (a Set iterates in insertion order): the first in is the first admitted. */
  private readonly waiting = new Set<Waiter>();

  constructor(
    limits: OverloadLimits,
    private readonly clock: Clock,
    /** What it counts, as its refusals say it ("12 requests in progress"). */
    private readonly counted = 'requests',
  ) {
    this.limits = { ...limits };
  }

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.size;
  }

  /** New limits for requests from now on; a larger `maxConcurrent` admits waiters at once. */
  configure(limits: OverloadLimits): void {
    this.limits = { ...limits };
    this.pump();
  }

  readonly middleware: MiddlewareHandler<AppEnv> = async (c, next) => {
    const release = await this.acquire(c.req.raw.signal);
    try {
      await next();
    } finally {
      release();
    }
  };

  /**
   * A slot, once it is this caller's turn; the function returned gives it back (a second call does nothing).
   * Throws OVERLOADED as the middleware does: the queue full, no turn in time, or the caller gone.
   */
  async acquire(callerGone: AbortSignal): Promise<() => void> {
    // Queue behind others already waiting, even if a slot is free this instant, so the order is fair.
    if (this.running >= this.limits.maxConcurrent || this.waiting.size > 0) await this.wait(callerGone);
    else this.running++;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.running--;
      this.pump();
    };
  }

  /** Hands free slots to the longest waiters; a finishing request's slot goes straight to the next one. */
  private pump(): void {
    for (const w of this.waiting) {
      if (this.running >= this.limits.maxConcurrent) return;
      this.waiting.delete(w);
      this.running++;
      w.admit();
    }
  }

  private async wait(callerGone: AbortSignal): Promise<void> {
    const { maxQueued, maxQueueWaitMs } = this.limits;
    if (this.waiting.size >= maxQueued) {
      throw new GatewayError('OVERLOADED', `${this.running} ${this.counted} in progress and ${this.waiting.size} waiting; try again shortly`, { retryAfter: 1 });
    }
    // The timer stops when the turn comes or the caller leaves. Aborted with a reason of ours: without one,
    // every admitted waiter made a DOMException (under load most requests wait a turn: 1 % of a request's CPU).
    const stop = new AbortController();
    const onGone = () => stop.abort(GONE);
    callerGone.addEventListener('abort', onGone, { once: true });
    let admitted = false;
    const waiter: Waiter = {
      admit: () => {
        admitted = true;
        stop.abort(ADMITTED);
      },
    };
    this.waiting.add(waiter);
    try {
      await this.clock.sleep(maxQueueWaitMs, stop.signal);
    } catch {
      /* admitted, or the caller left */
    } finally {
      callerGone.removeEventListener('abort', onGone);
    }
    if (admitted) return;
    this.waiting.delete(waiter);
    if (callerGone.aborted) throw new GatewayError('OVERLOADED', 'the caller left while waiting for a turn');
    // Still no turn after the longest wait: work that can't start in time is refused, not done late.
    throw new GatewayError('OVERLOADED', `no turn within ${maxQueueWaitMs} ms (${this.running} ${this.counted} in progress, ${this.waiting.size} waiting); try again shortly`, {
      retryAfter: Math.max(1, Math.ceil(maxQueueWaitMs / 1000)),
    });
  }
}
