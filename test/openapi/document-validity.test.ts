/**
 * The document /docs renders must be one Scalar renders without complaint: valid OpenAPI 3.1 (checked by
 * @scalar/openapi-parser, the validator of the reference page's own vendor), every schema with a `type`
 * (Scalar's reference rejects a typeless one as "document validation errors"), codes in descriptions
 * code-formatted (the page renders Markdown), the API-key schemes on the routes that take them, and no
 * cloud features or 404 favicon on the page.
 */
import { validate } from '@scalar/openapi-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors/catalogue.js';
import { FAVICON_SVG } from '../../src/openapi/favicon.js';
import { startHarness, type Harness } from '../helpers/harness.js';

let h: Harness;
let doc: Record<string, unknown>;
beforeAll(async () => {
  h = await startHarness();
  doc = (await h.get('/openapi.json')).body as Record<string, unknown>;
});
afterAll(async () => h?.close());

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every value in the document with its JSON path. */
function* nodes(value: Json, path = '#'): Generator<[string, Json]> {
  yield [path, value];
  if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) yield* nodes(v, `${path}/${k}`);
}

/** The schema objects of the document: components.schemas and every schema nested in them or in paths. */
function schemas(root: Json): [string, Record<string, Json>][] {
  const out: [string, Record<string, Json>][] = [];
  const visit = (s: Json, path: string) => {
    if (!s || typeof s !== 'object' || Array.isArray(s)) return;
    out.push([path, s]);
    for (const [k, v] of Object.entries((s.properties ?? {}) as Record<string, Json>)) visit(v, `${path}/properties/${k}`);
    for (const key of ['items', 'additionalProperties', 'not'] as const) if (typeof s[key] === 'object') visit(s[key], `${path}/${key}`);
    for (const key of ['anyOf', 'oneOf', 'allOf', 'prefixItems'] as const) ((s[key] ?? []) as Json[]).forEach((v, i) => visit(v, `${path}/${key}/${i}`));
  };
  for (const [path, value] of nodes(root)) if (path.endsWith('/schema') || /\/components\/schemas\/[^/]+$/.test(path)) visit(value, path);
  return out;
}

describe('the OpenAPI document, as the reference page reads it', () => {
  it('has no validation errors for @scalar/openapi-parser', async () => {
    const { valid, errors } = await validate(structuredClone(doc));
    expect(errors).toEqual([]);
    expect(valid).toBe(true);
  });

  it("Conversation.raw has a type: every schema names a type, a $ref or a composition (Scalar's 'document validation errors')", () => {
    const found = schemas(doc as Json);
    expect(found.map(([p]) => p)).toContain('#/components/schemas/Conversation/properties/raw');
    const typeless = found.filter(([, s]) => !('type' in s || '$ref' in s || 'anyOf' in s || 'oneOf' in s || 'allOf' in s || 'const' in s)).map(([p]) => p);
    expect(typeless).toEqual([]);
  });

  it('response descriptions code-format INVALID_REQUEST (Markdown read its underscores as emphasis: "INVALID  REQUEST")', () => {
    const descriptions = [...nodes(doc as Json)].filter(([p, v]) => p.endsWith('/description') && typeof v === 'string') as [string, string][];
    const response400 = descriptions.find(([p]) => p === '#/paths/~1conversations/get/responses/400/description'.replace('~1', '/'))?.[1];
    expect(response400).toContain('`INVALID_REQUEST`');
    // Any code, anywhere in a description, outside backticks: underscores Markdown would eat.
    const bare = descriptions.flatMap(([p, d]) =>
      ERROR_CODES.filter((c) => new RegExp(`(^|[^\`\\w])${c}([^\`\\w]|$)`).test(d.replace(/`[^`]*`/g, ''))).map((c) => `${p}: ${c}`),
    );
    expect(bare).toEqual([]);
  });

  it('declares the API-key schemes, and the routes behind keys name them', () => {
    const components = doc.components as { securitySchemes: Record<string, { type: string }> };
    expect(components.securitySchemes).toMatchObject({ bearerAuth: { type: 'http', scheme: 'bearer' }, apiKeyHeader: { type: 'apiKey', in: 'header', name: 'x-api-key' } });
    const paths = doc.paths as Record<string, { get: { security?: Record<string, string[]>[] } }>;
    for (const path of ['/conversations', '/vendors']) expect(paths[path]!.get.security, path).toEqual(expect.arrayContaining([{ bearerAuth: [] }, { apiKeyHeader: [] }]));
  });
});

describe('GET /docs page configuration', () => {
  it("turns off Scalar's cloud features (developer toolbar: Share / Upload Document, Deploy on Scalar), preselects the API key and names a favicon", async () => {
    const html = String((await h.get('/docs')).body);
    expect(html).toContain('"showDeveloperTools": "never"');
    expect(html).toMatch(/"preferredSecurityScheme": "bearerAuth"/);
    expect(html).toContain('"favicon": "/favicon.svg"');
  });

  it('the favicon is not a 404: an SVG at /favicon.svg and at /favicon.ico, open without a key', async () => {
    for (const path of ['/favicon.svg', '/favicon.ico']) {
      const res = await h.get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers['content-type'], path).toBe('image/svg+xml');
      expect(String(res.body)).toBe(FAVICON_SVG);
    }
  });
});

describe('the cursor, as documented', () => {
  it('nextCursor and cursor= say the cursor is signed, not encrypted: readable base64url JSON, no secrets in filters', async () => {
    const schemas = (doc.components as { schemas: Record<string, { properties: Record<string, { description: string }> }> }).schemas;
    const params = (doc.paths as Record<string, { get: { parameters: { name: string; description: string }[] } }>)['/conversations']!.get.parameters;
    for (const description of [schemas.ConversationList!.properties.nextCursor!.description, params.find((p) => p.name === 'cursor')!.description]) {
      expect(description).toMatch(/not encrypted/);
      expect(description).toMatch(/don't put secrets in filters/);
    }
    // What it says is so: a real page's cursor decodes to the query it carries, without the secret.
    const page = await h.get('/conversations?limit=1&status=open&channel=whatsapp');
    expect(page.status).toBe(200);
    const [payload] = String(page.body.nextCursor).split('.');
    const text = Buffer.from(payload!, 'base64url').toString('utf8');
    expect(JSON.parse(text)).toMatchObject({ v: 1 });
    expect(text).toContain('"whatsapp"');
  });
});
