/**
 * The Node request and response behind a Hono context, when it is served by @hono/node-server (absent for
 * `app.request()` in tests). Guards that must see the request target as sent, or the socket a body is
 * written to, read them here.
 */
import type { HttpBindings } from '@hono/node-server';
import type { Context } from 'hono';
import { requestTarget } from './limits.js';

export function nodeBindings(c: Context): Partial<HttpBindings> {
  return (c.env as Partial<HttpBindings> | undefined) ?? {};
}

/**
 * The request target exactly as the client sent it: the URL a Request carries has already been
 * normalised (dot segments resolved), so only the Node request still shows what the client asked for.
 */
export function rawTarget(c: Context): string {
  return nodeBindings(c).incoming?.url ?? requestTarget(c.req.url);
}
