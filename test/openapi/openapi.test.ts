/**
 * GET /openapi.json is generated from the routes' zod contracts (every parameter described, with an
 * example; the error schema carries the code catalogue), and GET /docs renders it with nothing fetched
 * from outside the machine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE, ERROR_CODES } from '../../src/errors/catalogue.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import type { OpenApiDocument } from './spec-validator.js';

const PARAMS = [
  'vendor', 'status', 'channel', 'agentId', 'leadId', 'visitorId', 'userId', 'search',
  'createdAfter', 'createdBefore', 'updatedAfter', 'updatedBefore',
  'orderBy', 'orderDir', 'limit', 'offset', 'cursor', 'include', 'fields', 'explain', 'strict', 'onVendorError',
];

let h: Harness;
let doc: OpenApiDocument;
beforeAll(async () => {
  h = await startHarness();
  const res = await h.get('/openapi.json');
  expect(res.status).toBe(200);
  doc = res.body as OpenApiDocument;
});
afterAll(async () => h?.close());

describe('GET /openapi.json', () => {
  it('is OpenAPI 3.1 with every route', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(['/conversations', '/conversations/{id}', '/healthz', '/metrics', '/readyz', '/vendors']);
    expect(Object.keys(doc.components.securitySchemes ?? {}).sort()).toEqual(['apiKeyHeader', 'bearerAuth']);
  });

  it('describes every /conversations parameter, with an example', () => {
    const params = doc.paths['/conversations']!.get!.parameters!;
    expect(params.map((p) => p.name)).toEqual(PARAMS);
    for (const p of params) {
      expect(p.in, p.name).toBe('query');
      expect(p.description, p.name).toMatch(/\w/);
      expect(p.schema?.example, p.name).toBeDefined();
    }
  });

  it('follows the config: the vendor parameter names the configured vendors', () => {
    const vendor = doc.paths['/conversations']!.get!.parameters!.find((p) => p.name === 'vendor')!;
    expect(vendor.description).toContain('siteassist, superagentes, uncodie');
  });

  it('says per vendor, from the config, what search means and which vendors make leadId a UUID', () => {
    const params = doc.paths['/conversations']!.get!.parameters!;
    const described = (name: string) => params.find((p) => p.name === name)!.description!;
    // Superagentes' YAML pushes search with recheck: false; the others have no search parameter.
    expect(described('search')).toContain("superagentes: pushed to the vendor's own search, whose answer is trusted");
    expect(described('search')).toMatch(/siteassist, uncodie: checked here: a case-insensitive substring of the title, the contact \(name, email, phone\), the last message and every message the item carries/);
    // Uncodie's YAML declares lead_id, visitor_id and user_id with format: uuid.
    for (const name of ['leadId', 'visitorId', 'userId']) {
      expect(described(name)).toMatch(/Must be a UUID \(RFC 4122, version 1-5, variant 8\/9\/a\/b\) whenever the request includes uncodie: that vendor requires one/);
    }
    // Its visitor_id is ignored beside lead_id (ignoredWith): then checked here, any value.
    expect(described('visitorId')).toContain('(uncodie ignores it when leadId is sent too, so it is then checked here and not required to be one).');
    expect(described('leadId')).not.toContain('ignores');
  });

  it('the described UUID rule holds: a 400 naming the vendor with it included, any value without it or beside leadId', async () => {
    const refused = await h.get('/conversations?leadId=not-a-uuid');
    expect(refused.status).toBe(400);
    expect(refused.body.invalidParams).toEqual([{ name: 'leadId', reason: 'must be a UUID (version 1-5, RFC 4122 variant) (required by vendor uncodie)' }]);
    expect((await h.get('/conversations?vendor=siteassist,superagentes&leadId=not-a-uuid')).status).toBe(200);
    expect((await h.get('/conversations?vendor=uncodie&leadId=f41bb290-0404-44d7-a969-b21a7ec65b77&visitorId=not-a-uuid')).status).toBe(200);
  });

  it('describes GET /conversations/{id}: the id in the path, include and fields, 200/304 and the 404 it gives', () => {
    const op = doc.paths['/conversations/{id}']!.get!;
    expect(op.parameters!.map((p) => `${p.in}:${p.name}`)).toEqual(['path:id', 'query:include', 'query:fields']);
    expect(Object.keys(op.responses).sort()).toEqual(['200', '304', '400', '401', '403', '404', '429', '500', '502', '503', '504']);
  });

  it('has the error schema with the code catalogue, on every 4xx/5xx response', () => {
    expect((doc.components.schemas.ErrorCode as { enum: string[] }).enum).toEqual(ERROR_CODES);
    const problem = doc.components.schemas.Problem as { properties: Record<string, unknown>; required: string[] };
    expect(problem.properties.code).toEqual({ $ref: '#/components/schemas/ErrorCode' });
    expect(problem.required.sort()).toEqual(['code', 'detail', 'requestId', 'status', 'title', 'type']);
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [status, r] of Object.entries(ops.get!.responses)) {
        // /readyz's 503 is its readiness body (not ready), not an error.
        if (Number(status) < 400 || path === '/readyz') continue;
        const media = r.content?.['application/problem+json'] as { schema: unknown; examples: Record<string, { value: { code: string; status: number } }> } | undefined;
        expect(media?.schema, `${path} ${status}`).toEqual({ $ref: '#/components/schemas/Problem' });
        // One example per code the status stands for, each with the catalogue's status.
        for (const [code, ex] of Object.entries(media!.examples)) {
          expect(ex.value.code).toBe(code);
          expect(ERROR_CATALOGUE[code as keyof typeof ERROR_CATALOGUE].status).toBe(Number(status));
        }
      }
    }
    const conversations = doc.paths['/conversations']!.get!.responses;
    expect(Object.keys(conversations).sort()).toEqual(['200', '304', '400', '401', '403', '429', '500', '502', '503', '504']);
  });

  it('has the response schemas', () => {
    const ok = doc.paths['/conversations']!.get!.responses['200']!.content!['application/json']!.schema;
    expect(ok).toEqual({ $ref: '#/components/schemas/ConversationList' });
    const list = doc.components.schemas.ConversationList as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(list.properties)).toEqual(['object', 'data', 'limit', 'offset', 'total', 'hasMore', 'nextCursor', 'partial', 'missed', 'sources', 'plan']);
    expect(list.required).not.toContain('plan');
    for (const name of ['Conversation', 'SourceReport', 'ExplainedPlan', 'VendorList', 'Health', 'Readiness']) expect(doc.components.schemas, name).toHaveProperty(name);
  });
});

describe('GET /docs', () => {
  it('is a reference page that loads nothing from outside the machine', async () => {
    const res = await h.get('/docs');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    const html = String(res.body);
    // No absolute or protocol-relative URL anywhere in the page.
    expect(html.match(/(?:https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}/gi)).toBeNull();
    expect(html).toContain('<script src="/docs/assets/standalone.js">');
    expect(html).toContain('"url": "/openapi.json"');
    expect(html).toContain('"withDefaultFonts": false');
  });

  it('serves the reference script from the installed package', async () => {
    const res = await h.get('/docs/assets/standalone.js');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/javascript/);
    expect(String(res.body).length).toBeGreaterThan(100_000);
    expect(String(res.body)).toContain('createApiReference');
  });
});
