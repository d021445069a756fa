/**
 * The log sink over a real file descriptor: request lines wait for their batch (its delay or its size),
 * every other line goes out at once after them, so the output keeps the order lines were made in; and a
 * process that exits writes what waits. The delay is driven by fake timers, never by waiting.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { pino } from 'pino';
import { logSink } from '../../src/inbound/log-sink.js';
import { ROOT } from '../helpers/harness.js';

let dir: string;
let file: string;
let fd: number;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sb-log-sink-'));
  file = join(dir, 'out.log');
  fd = openSync(file, 'w');
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
});
const written = () => readFileSync(file, 'utf8');

describe('log sink', () => {
  it('a batched line waits for the delay; then the batch is written as one', () => {
    const sink = logSink(fd, { maxDelayMs: 200, maxChars: 10_000 });
    sink.batched.write('a\n');
    sink.batched.write('b\n');
    expect(written()).toBe('');
    vi.advanceTimersByTime(199);
    expect(written()).toBe('');
    vi.advanceTimersByTime(1);
    expect(written()).toBe('a\nb\n');
    // Nothing waits, so no timer is left behind.
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a batch over maxChars is written at once, without waiting for the delay', () => {
    const sink = logSink(fd, { maxDelayMs: 200, maxChars: 10 });
    sink.batched.write('12345\n');
    expect(written()).toBe('');
    sink.batched.write('67890\n');
    expect(written()).toBe('12345\n67890\n');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('any other line is written at once, after the batched lines made before it', () => {
    const sink = logSink(fd, { maxDelayMs: 200, maxChars: 10_000 });
    sink.batched.write('request 1\n');
    sink.now.write('warning\n');
    expect(written()).toBe('request 1\nwarning\n');
    sink.batched.write('request 2\n');
    sink.flush();
    expect(written()).toBe('request 1\nwarning\nrequest 2\n');
  });

  it('two pino loggers over its two sides keep the order of their lines', () => {
    const sink = logSink(fd, { maxDelayMs: 200, maxChars: 10_000 });
    const logger = pino({ base: null, timestamp: false }, sink.now);
    const requests = pino({ base: null, timestamp: false }, sink.batched);
    requests.info({ n: 1 }, 'request');
    requests.warn({ n: 2 }, 'request');
    logger.error({ n: 3 }, 'failed');
    requests.info({ n: 4 }, 'request');
    requests.flush();
    expect(written().trim().split('\n').map((l) => (JSON.parse(l) as { n: number }).n)).toEqual([1, 2, 3, 4]);
  });
});

describe('log sink in a process', () => {
  it('what waits when the process exits is written (flush on exit), however the process ends', () => {
    vi.useRealTimers();
    const script = [
      "import { logSink } from './src/inbound/log-sink.ts';",
      'const sink = logSink(1, { maxDelayMs: 60_000, maxChars: 1_000_000 });',
      "process.on('exit', sink.flush);",
      "sink.batched.write('waiting 1\\n');",
      "sink.batched.write('waiting 2\\n');",
      "if (process.env.END === 'throw') throw new Error('boom');",
      'process.exit(3);',
    ].join('\n');
    for (const [how, code] of [['exit', 3], ['throw', 1]] as const) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, END: how } });
      expect(r.status, r.stderr).toBe(code);
      expect(r.stdout).toBe('waiting 1\nwaiting 2\n');
    }
  });
});
