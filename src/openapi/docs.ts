/**
 * GET /docs: the interactive API reference (Scalar), served entirely from this process so it works with
 * no network: the page's script is the installed @scalar/api-reference browser bundle, and no default
 * fonts are loaded (they come from Scalar's font CDN).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Scalar } from '@scalar/hono-api-reference';
import type { Env, Hono } from 'hono';
import { OPENAPI_PATH } from './document.js';

export const DOCS_PATH = '/docs';
export const DOCS_SCRIPT_PATH = '/docs/assets/standalone.js';

const require = createRequire(import.meta.url);

export function serveDocs<E extends Env>(app: Hono<E>): void {
  let script: Promise<Buffer> | undefined;
  app.get(
    DOCS_PATH,
    Scalar({
      url: OPENAPI_PATH,
      cdn: DOCS_SCRIPT_PATH,
      pageTitle: 'Switchboard API reference',
      withDefaultFonts: false,
      // Nothing that would reach out: no hosted client, no telemetry, and no AI agent (on localhost Scalar
      // enables it by default, and it fetches a registry through proxy.scalar.com).
      hideClientButton: true,
      telemetry: false,
      agent: { disabled: true },
    }),
  );
  app.get(DOCS_SCRIPT_PATH, async (c) => {
    // Read once, on first use (3.5 MB that most processes never serve).
    const body = await (script ??= readFile(require.resolve('@scalar/api-reference/browser/standalone.js')));
    return c.body(new Uint8Array(body), 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=3600' });
  });
}
