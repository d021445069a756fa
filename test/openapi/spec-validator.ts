/**
 * Validates response bodies against a published OpenAPI 3.1 document: the schema of the operation's
 * response for that status (and media type), with `#/components/schemas/*` refs resolved, in the JSON
 * Schema 2020-12 dialect OpenAPI 3.1 uses.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

const addFormats = addFormatsModule.default;

interface MediaType {
  schema?: object;
}
interface ResponseObject {
  content?: Record<string, MediaType>;
}
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, ResponseObject>; parameters?: { name: string; in: string; description?: string; schema?: { example?: unknown } }[] }>>;
  components: { schemas: Record<string, object>; securitySchemes?: Record<string, object> };
}

export interface SpecValidator {
  /** The response the spec declares for this operation and status, or undefined. */
  response(path: string, method: string, status: number): ResponseObject | undefined;
  /** Errors (empty when valid) of `body` against the operation's response schema for `status` and `mediaType`. */
  check(path: string, method: string, status: number, mediaType: string, body: unknown): string[];
  /** Errors of `body` against a named component schema. */
  checkComponent(name: string, body: unknown): string[];
}

export function specValidator(doc: OpenApiDocument): SpecValidator {
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false });
  addFormats(ajv);
  // OpenAPI's own annotation keyword.
  ajv.addKeyword({ keyword: 'example' });
  // Refs point into the document's components: serve them as $defs of each compiled schema.
  const toDefs = <T>(o: T): T => JSON.parse(JSON.stringify(o).replaceAll('"#/components/schemas/', '"#/$defs/')) as T;
  const defs = toDefs(doc.components.schemas);
  const cache = new Map<string, ValidateFunction>();
  const compile = (key: string, schema: object): ValidateFunction => {
    let v = cache.get(key);
    if (!v) cache.set(key, (v = ajv.compile({ ...toDefs(schema), $defs: defs })));
    return v;
  };
  const errors = (v: ValidateFunction, body: unknown): string[] =>
    v(body) ? [] : (v.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);

  const response = (path: string, method: string, status: number) => doc.paths[path]?.[method]?.responses[String(status)];
  return {
    response,
    check(path, method, status, mediaType, body) {
      const r = response(path, method, status);
      if (!r) return [`${method.toUpperCase()} ${path} declares no ${status} response`];
      const schema = r.content?.[mediaType]?.schema;
      if (!schema) return [`${method.toUpperCase()} ${path} ${status} declares no ${mediaType} body (has ${Object.keys(r.content ?? {}).join(', ') || 'none'})`];
      return errors(compile(`${path} ${method} ${status} ${mediaType}`, schema), body);
    },
    checkComponent(name, body) {
      const schema = doc.components.schemas[name];
      if (!schema) return [`no component schema ${name}`];
      return errors(compile(`#${name}`, schema), body);
    },
  };
}
