/**
 * /docs in a real browser: headless Chromium (the Debian `chromium` package, driven by playwright-core)
 * opens the reference page on a gateway this test starts, finds the /conversations operation, and
 * saves a screenshot to the temp folder (SCREENSHOT_PATH to choose; never the tracked docs/docs-page.png,
 * which is copied from a run on purpose when the page changes). Every request the page makes must stay on
 * the gateway, none may fail or 404 (the favicon included), and the console has no error and no
 * "document validation errors" warning from Scalar.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT = process.env.SCREENSHOT_PATH ?? join(tmpdir(), 'switchboard-docs-page.png');

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
  it('renders the reference offline with no console error, no failed request and no favicon 404, finds GET /conversations, and saves a screenshot outside the tree', async () => {
    const page = browser.pages()[0] ?? (await browser.newPage());
    const external: string[] = [];
    const failed: string[] = [];
    const notOk: string[] = [];
    const console: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || (m.type() === 'warning' && /validation error/i.test(m.text()))) console.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => console.push(`pageerror: ${e.message}`));
    page.on('response', (r) => {
      if (r.status() >= 400) notOk.push(`${r.status()} ${r.url()}`);
    });
    page.on('request', (r) => {
      const url = r.url();
      if (!url.startsWith(h.url) && !/^(data|blob|about):/.test(url)) external.push(url);
    });
    page.on('requestfailed', (r) => failed.push(`${r.url()}: ${r.failure()?.errorText}`));
    // Nothing may leave the machine: anything not for the gateway is refused (and recorded above).
    await page.route('**/*', (route) => (route.request().url().startsWith(h.url) || /^(data|blob):/.test(route.request().url()) ? route.continue() : route.abort()));

    await page.goto(`${h.url}/docs`, { waitUntil: 'networkidle' });
    // The introduction's Authentication box preselects the API key (the document makes keys optional).
    await page.getByText('Authentication', { exact: true }).first().waitFor({ state: 'visible', timeout: 30_000 });
    const intro = await page.locator('body').innerText();
    expect(intro).not.toContain('No authentication selected');
    expect(intro).not.toMatch(/Deploy on Scalar|Upload Document|Share/);
    const operation = page.getByText('List conversations across vendors').first();
    await operation.waitFor({ state: 'visible', timeout: 30_000 });
    await operation.click();
    await page.getByText('/conversations', { exact: false }).first().waitFor({ state: 'visible' });
    await page.waitForTimeout(500);
    await page.screenshot({ path: SCREENSHOT });

    expect(await page.title()).toBe('Switchboard API reference');
    expect(external).toEqual([]);
    expect(failed).toEqual([]);
    expect(notOk).toEqual([]);
    expect(console).toEqual([]);
    expect(existsSync(SCREENSHOT)).toBe(true);
    process.stdout.write(`screenshot: ${SCREENSHOT}\n`);
  });
});
