/**
 * A favicon, so the reference page (and a browser opened on any route) gets no 404 for it: a small SVG,
 * inline here (no asset file to ship in the image), named by the page's <link rel="icon"> and also served at
 * /favicon.ico, the path a browser asks for on its own. Chromium and Firefox read an SVG there by its
 * content type.
 */
import type { Env, Hono } from 'hono';

export const FAVICON_PATH = '/favicon.svg';
const FAVICON_ICO_PATH = '/favicon.ico';

// A rounded square with three lines joining into one: many vendors, one answer.
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#1f4e79"/><path d="M7 9h6l6 7h6M7 16h18M7 23h6l6-7" fill="none" stroke="#fff" stroke-width="2.5" stroke-linecap="round" stroke-linejoin="round"/></svg>`;

export function serveFavicon<E extends Env>(app: Hono<E>): void {
  for (const path of [FAVICON_PATH, FAVICON_ICO_PATH]) {
    app.get(path, (c) => c.body(FAVICON_SVG, 200, { 'content-type': 'image/svg+xml', 'cache-control': 'public, max-age=86400' }));
  }
}
