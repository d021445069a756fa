/**
 * Bounds on large bodies written to callers (the /docs script, 3.5 MB). The body itself is one shared
 * buffer, so a caller costs no copy of it; what a caller that never reads still holds is its socket and
 * the kernel's buffers for it. So at most `maxConcurrent` such bodies are being written at once (beyond:
 * 503 OVERLOADED, Retry-After), and a body not handed to the network within `writeTimeoutMs` has its
 * connection closed. A slot is held from the moment the body is handed out until the response closes.
 *
 * One set of slots lives as long as the process (a reload changes the bounds, never the count).
 */
import type { ServerResponse } from 'node:http';
import type { DownloadsConfig } from '../config/gateway-schema.js';
import type { Clock } from '../state/clock.js';

export class DownloadSlots {
  private config: DownloadsConfig;
  private writing = 0;

  constructor(
    config: DownloadsConfig,
    private readonly clock: Clock,
  ) {
    this.config = { ...config };
  }

  get active(): number {
    return this.writing;
  }

  get max(): number {
    return this.config.maxConcurrent;
  }

  configure(config: DownloadsConfig): void {
    this.config = { ...config };
  }

  /**
   * Takes a slot for the body about to be written to `res`, freed when `res` closes (written, or its
   * connection gone); false when every slot is taken. Without a Node response (`app.request()`) there is
   * no socket to bound: always true.
   */
  take(res: ServerResponse | undefined): boolean {
    if (!res) return true;
    if (this.writing >= this.config.maxConcurrent) return false;
    this.writing++;
    const done = new AbortController();
    res.once('close', () => {
      this.writing--;
      done.abort();
    });
    const timeoutMs = this.config.writeTimeoutMs;
    this.clock.sleep(timeoutMs, done.signal).then(
      () => {
        // Still not all handed to the kernel: a caller this slow (or not reading) loses the connection.
        if (!res.writableFinished) res.destroy();
      },
      () => undefined,
    );
    return true;
  }
}
