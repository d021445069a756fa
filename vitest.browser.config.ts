import { defineConfig } from 'vitest/config';

/** `npm run test:browser`: tests that drive a real headless Chromium (not part of `npm test`). */
export default defineConfig({
  test: {
    include: ['test/browser/**/*.browser.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results-browser.json' },
  },
});
