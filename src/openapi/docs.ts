/**
 * GET /docs: the interactive API reference (Scalar), served entirely from this process so it works with
 * no network: the page's script is the installed @scalar/api-reference browser bundle, and no default
 * fonts are loaded (they come from Scalar's font CDN).
 *
 * The script is 3.5 MB. It is read once per process into one buffer that every response writes as is
 * (no copy per caller), and the callers it is written to at once are bounded (DownloadSlots): callers
 * that never read can't pile up copies or sockets.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Scalar } from '@scalar/hono-api-reference';
import type { Env, Hono } from 'hono';
import { GatewayError } from '../errors/gateway-error.js';
import type { DownloadSlots } from '../inbound/downloads.js';
import { nodeBindings } from '../inbound/node.js';
import { OPENAPI_PATH } from './document.js';
import { FAVICON_PATH, serveFavicon } from './favicon.js';

export const DOCS_PATH = '/docs';
export const DOCS_SCRIPT_PATH = '/docs/assets/standalone.js';

const require = createRequire(import.meta.url);

// A file's buffer owns a plain ArrayBuffer (never a shared one), whatever the type says.
let script: Promise<Buffer<ArrayBuffer>> | undefined;

/** The script's bytes: read on first use (most processes never serve it), then the same buffer for good. */
export function docsScript(): Promise<Buffer<ArrayBuffer>> {
  script ??= (readFile(require.resolve('@scalar/api-reference/browser/standalone.js')) as Promise<Buffer<ArrayBuffer>>).catch((e: unknown) => {
    script = undefined;
    throw e;
  });
  return script;
}

export function serveDocs<E extends Env>(app: Hono<E>, downloads?: DownloadSlots): void {
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
      // The developer toolbar (shown on localhost by default) offers Scalar's cloud: "Share / Upload
      // Document" sends the document to scalar.com, "Deploy on Scalar" hosts it there.
      showDeveloperTools: 'never',
      favicon: FAVICON_PATH,
      // Keys are optional while no clients are configured (the `{}` security entry), and Scalar then selects
      // "No authentication": preselect the bearer scheme, so the page shows where the key goes.
      authentication: { preferredSecurityScheme: 'bearerAuth' },
    }),
  );
  serveFavicon(app);
  app.get(DOCS_SCRIPT_PATH, async (c) => {
    const body = await docsScript();
    if (downloads && !downloads.take(nodeBindings(c).outgoing)) {
      throw new GatewayError('OVERLOADED', `the reference script is being sent to ${downloads.max} callers already; try again shortly`, { retryAfter: 1 });
    }
    // The shared buffer itself: the response writes it to the socket without copying.
    return c.body(body, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=3600' });
  });
}
