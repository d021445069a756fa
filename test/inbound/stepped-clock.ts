/**
 * Time that moves only when a test says so, with sleeps that wait for it (ManualClock's return at once):
 * for timeouts whose both sides matter, "not yet" and "now".
 */
import type { Clock } from '../../src/state/clock.js';

interface Timer {
  at: number;
  fire(): void;
}

export class SteppedClock implements Clock {
  t = 1_700_000_000_000;
  private timers: Timer[] = [];

  now = () => this.t;

  sleep = (ms: number, signal?: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        this.timers = this.timers.filter((x) => x !== timer);
        reject(signal!.reason);
      };
      const timer: Timer = {
        at: this.t + ms,
        fire: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.timers.push(timer);
    });

  /** Sleeps not yet over. */
  get pending(): number {
    return this.timers.length;
  }

  /** Moves time on; every sleep that ends by then returns. */
  advance(ms: number): void {
    this.t += ms;
    const due = this.timers.filter((x) => x.at <= this.t);
    this.timers = this.timers.filter((x) => x.at > this.t);
    for (const x of due) x.fire();
  }
}

/** Waits (on the event loop, not a fixed time) until `cond` holds; fails after many turns. */
export async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`never happened: ${what}`);
}
