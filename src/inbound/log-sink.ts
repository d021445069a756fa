/**
 * Where the process's log lines go (a file descriptor: stdout). The one line every answer makes (its
 * request line) is batched: written with the lines after it, at most `maxDelayMs` later or as soon as
 * `maxChars` wait. Every other line is written at once, after whatever waits, so the output keeps the
 * order the lines were made in. A write to a pipe per request was a visible share of a request's CPU
 * (the profile's fs `writeString` under pino); batched, a loaded gateway writes a few times per batch
 * window instead of once per request. Writes are synchronous, so nothing is lost to a crash in between;
 * what waits when the process exits is written by `flush` (server.ts calls it on `exit`). Only a SIGKILL
 * loses the request lines of the last `maxDelayMs`.
 */
import { writeSync } from 'node:fs';

export interface LineStream {
  write(line: string): void;
  /** pino's `logger.flush()` calls this. */
  flush(cb?: (err?: Error) => void): void;
}

export interface LogSink {
  /** Lines written at once (after whatever waits). */
  readonly now: LineStream;
  /** Request lines: written with the next batch. */
  readonly batched: LineStream;
  /** Writes whatever waits, synchronously. */
  flush(): void;
}

export interface LogSinkOptions {
  /** Longest a batched line waits. */
  maxDelayMs: number;
  /** Characters waiting that make the batch go out at once. */
  maxChars: number;
}

// A full non-blocking pipe (EAGAIN) is retried after this pause, as pino's own destination does.
const SLEEP = new Int32Array(new SharedArrayBuffer(4));
const RETRY_MS = 10;

export function logSink(fd: number, opts: LogSinkOptions): LogSink {
  let pending = '';
  let timer: ReturnType<typeof setTimeout> | undefined;
  let broken = false;

  const writeAll = (buf: Buffer) => {
    let off = 0;
    while (off < buf.length) {
      try {
        off += writeSync(fd, buf, off);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') {
          Atomics.wait(SLEEP, 0, 0, RETRY_MS);
          continue;
        }
        // Nobody reads the output any more: logging stops (pino's destination does the same), serving doesn't.
        if (code === 'EPIPE') {
          broken = true;
          return;
        }
        throw e;
      }
    }
  };

  const flush = () => {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (pending === '') return;
    const out = pending;
    pending = '';
    if (!broken) writeAll(Buffer.from(out));
  };

  const stream = (write: (line: string) => void): LineStream => ({
    write,
    flush(cb) {
      try {
        flush();
        cb?.();
      } catch (e) {
        if (!cb) throw e;
        cb(e as Error);
      }
    },
  });

  return {
    now: stream((line) => {
      pending += line;
      flush();
    }),
    batched: stream((line) => {
      pending += line;
      if (pending.length >= opts.maxChars) flush();
      // Unref'd: a batch waiting never keeps the process alive (exit writes it).
      else if (timer === undefined) timer = setTimeout(flush, opts.maxDelayMs).unref();
    }),
    flush,
  };
}
