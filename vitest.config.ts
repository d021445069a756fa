import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // The client package by name, from its source (as tsconfig.json's paths): no build of it needed first.
    alias: { '@switchboard/client': fileURLToPath(new URL('./packages/client/src/index.ts', import.meta.url)) },
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    // As long as a test: hooks start gateway processes and remove temp trees, and on a loaded 2-CPU machine one
    // took over 30 s (test/docker/runtime.test.ts's clean-up, in a full run). A hung hook still fails.
    hookTimeout: 60_000,
    pool: 'forks',
    // Most test files wait on loopback HTTP and child processes rather than compute: one worker per core
    // (vitest's default leaves one core idle) takes the run from about 4.8 to 3.3–3.9 min on 2 cores. No test times anything.
    maxWorkers: Math.max(2, availableParallelism()),
    // test/mirror/large-array.test.ts measures heap growth from a collected baseline.
    execArgv: ['--expose-gc'],
    // The JSON report lets .ci/run print a plain "N passed, N failed" line.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results.json' },
  },
});
