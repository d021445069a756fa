/**
 * GET /openapi.json: the OpenAPI 3.1 document, generated from the routes' zod contracts (the same schemas
 * that validate requests), once per app: the app is rebuilt on each config reload, so vendor names and
 * limits in it follow the config.
 */
import { readFileSync } from 'node:fs';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Env } from 'hono';
import { ERROR_CATALOGUE, ERROR_CODES } from '../errors/catalogue.js';
import { PROBLEM_MEDIA_TYPE, SECURITY_SCHEMES } from './responses.js';

export const OPENAPI_PATH = '/openapi.json';

const DESCRIPTION = `One normalized \`GET /conversations\` over every configured customer-support vendor: filters are translated into
each vendor's dialect, vendors are called concurrently, and their results are merged into one exact, globally ordered page.

Every error is RFC 9457 \`${PROBLEM_MEDIA_TYPE}\` (the \`Problem\` schema). Its \`code\` is one of:

| code | status | title |
|---|---|---|
${ERROR_CODES.map((c) => `| \`${c}\` | ${ERROR_CATALOGUE[c].status} | ${ERROR_CATALOGUE[c].title} |`).join('\n')}

Every response carries \`X-Request-Id\`.`;

/** The package's version, from the nearest package.json above this file (src/ in dev, dist/src/ when built). */
function packageVersion(): string {
  for (let url = new URL('./', import.meta.url); url.pathname !== '/'; url = new URL('../', url)) {
    try {
      return (JSON.parse(readFileSync(new URL('package.json', url), 'utf8')) as { version: string }).version;
    } catch {
      /* not here: look higher */
    }
  }
  return '0.0.0';
}

export function serveOpenApi<E extends Env>(app: OpenAPIHono<E>, version = packageVersion()): void {
  let document: ReturnType<typeof app.getOpenAPI31Document> | undefined;
  const build = () => {
    for (const [name, scheme] of Object.entries(SECURITY_SCHEMES)) app.openAPIRegistry.registerComponent('securitySchemes', name, scheme);
    return app.getOpenAPI31Document({
      openapi: '3.1.0',
      info: { title: 'Switchboard', version, description: DESCRIPTION },
      // Relative: the gateway that served this document, at whatever host and port it was reached.
      servers: [{ url: '/', description: 'This gateway' }],
      tags: [
        { name: 'Conversations', description: 'The normalized conversation list.' },
        { name: 'Operations', description: 'Health, readiness, vendors and metrics.' },
      ],
    });
  };
  app.get(OPENAPI_PATH, (c) => c.json((document ??= build())));
}
