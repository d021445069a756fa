/** Time that moves only when told: sleeps (backoff, pacing) return at once and move the clock by their length. */
import type { Clock } from '../../src/state/clock.js';

export class ManualClock implements Clock {
  t = 1_700_000_000_000;
  /** Every sleep, in order. */
  slept: number[] = [];
  /** Runs once per sleep (after the clock moved), e.g. to heal a vendor while we back off. */
  onSleep?: (ms: number) => void;
  now = () => this.t;
  sleep = async (ms: number, signal?: AbortSignal) => {
    if (signal?.aborted) throw signal.reason;
    this.slept.push(ms);
    this.t += ms;
    this.onSleep?.(ms);
  };
}
