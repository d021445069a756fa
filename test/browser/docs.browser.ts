/**
 * /docs in a real browser: headless Chromium (the Debian `chromium` package, driven by playwright-core)
 * opens the reference page on a gateway this test starts, finds the /conversations operation, and
 * saves a screenshot to docs/docs-page.png. Every request the page makes must stay on the gateway.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startHarness, type Harness } from '../helpers/harness.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT = join(ROOT, 'docs/docs-page.png');

let h: Harness;
let profile: string;
let browser: BrowserContext;
beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  h = await startHarness();
  profile = await mkdtemp(join(tmpdir(), 'switchboard-chromium-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1440, height: 900 },
  });
});
afterAll(async () => {
  await browser?.close();
  await h?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
});

describe('/docs in Chromium', () => {
  it('renders the reference offline, finds GET /conversations, and saves a screenshot', async () => {
    const page = browser.pages()[0] ?? (await browser.newPage());
    const external: string[] = [];
    const failed: string[] = [];
    page.on('request', (r) => {
      const url = r.url();
      if (!url.startsWith(h.url) && !/^(data|blob|about):/.test(url)) external.push(url);
    });
    page.on('requestfailed', (r) => failed.push(`${r.url()}: ${r.failure()?.errorText}`));
    // Nothing may leave the machine: anything not for the gateway is refused (and recorded above).
    await page.route('**/*', (route) => (route.request().url().startsWith(h.url) || /^(data|blob):/.test(route.request().url()) ? route.continue() : route.abort()));

    await page.goto(`${h.url}/docs`, { waitUntil: 'networkidle' });
    const operation = page.getByText('List conversations across vendors').first();
    await operation.waitFor({ state: 'visible', timeout: 30_000 });
    await operation.click();
    await page.getByText('/conversations', { exact: false }).first().waitFor({ state: 'visible' });
    await page.waitForTimeout(500);
    await page.screenshot({ path: SCREENSHOT });

    expect(await page.title()).toBe('Switchboard API reference');
    expect(external).toEqual([]);
    expect(failed).toEqual([]);
    expect(existsSync(SCREENSHOT)).toBe(true);
  });
});
