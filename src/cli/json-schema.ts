/**
 * JSON Schemas of gateway.yaml and the vendor YAML, generated from the zod schemas the loader validates
 * with, so editors (yaml-language-server reads each file's `# yaml-language-server: $schema=…` first line)
 * complete and check what the gateway will accept. `switchboard schema` writes them; a test keeps the
 * committed files equal to a fresh generation.
 *
 * Two departures from a plain `z.toJSONSchema`, both because the loader interpolates before it validates:
 * every checked scalar (a number, a boolean, a pattern, a format, an enum) also accepts a string holding a
 * `${VAR}` reference, and numbers also accept numeric strings (what `${VAR:-20}` becomes; the schemas
 * coerce them).
 */
import { z } from 'zod';
import { EXTENDS_DESCRIPTION } from '../config/extends.js';
import { ENV_REFERENCE_SOURCE } from '../config/interpolate.js';
import { breakerSchema, cacheSchema, gatewaySchema, lazyReadSchema, rateLimitSchema, retrySchema } from '../config/gateway-schema.js';
import { pathSchema, pathsSchema, valueSpecSchema, vendorSchema } from '../config/vendor-schema.js';

type Json = { [key: string]: unknown };

export const SCHEMA_FILES = { vendor: 'vendor.schema.json', gateway: 'gateway.schema.json' } as const;

// The loader's own reference pattern (src/config/interpolate.ts), unanchored: a string that contains one
// can't be checked before the variable is known.


const SHARED_DEFS: Json = {
  envReference: {
    type: 'string',
    pattern: ENV_REFERENCE_SOURCE,
    description: 'A ${VAR} or ${VAR:-default} reference, resolved from the environment when the gateway loads the file.',
  },
  integerString: { type: 'string', pattern: '^\\s*-?\\d+\\s*$', description: 'A whole number written as a string.' },
  numberString: { type: 'string', pattern: '^\\s*-?\\d+(\\.\\d+)?\\s*$', description: 'A number written as a string.' },
};

type Meta = { id?: string; description?: string };

/**
 * A registry that also answers with what `.describe()` put in zod's global registry: passing our own
 * registry to z.toJSONSchema replaces the global one, and each key's description lives there.
 */
class DescribedRegistry extends z.core.$ZodRegistry<Meta> {
  override get<S extends z.core.$ZodType>(schema: S): Meta | undefined {
    const global = z.globalRegistry.get(schema) as Meta | undefined;
    const own = super.get(schema) as Meta | undefined;
    // A key's own description (global) wins over one it inherits from a shared schema it was cloned from.
    return global || own ? { ...own, ...global } : undefined;
  }
}

/** Names (and hover texts) for the schemas used in many places, so each is written once under $defs. */
function registry() {
  const r = new DescribedRegistry();
  r.add(pathSchema, { id: 'path', description: 'A JSON path into the vendor document: a.b[0].c, a[-1] (the last), a[*].b (every), $ (the root).' });
  r.add(pathsSchema, { id: 'paths', description: 'A path, or fallback paths tried in order until one yields a value.' });
  r.add(valueSpecSchema, {
    id: 'value',
    description: 'Where a unified field comes from: a path (or fallbacks), or {path, map, default, time, const, join, count, whenInclude}.',
  });
  r.add(rateLimitSchema, { id: 'rateLimit', description: 'A token bucket: perMinute on average, up to burst at once.' });
  r.add(retrySchema, { id: 'retry', description: 'Retries of GETs that failed in a way a retry can fix.' });
  r.add(cacheSchema, { id: 'cache', description: 'Vendor response cache; ttlMs 0 turns it off.' });
  r.add(breakerSchema, { id: 'breaker', description: 'A per-vendor circuit breaker.' });
  r.add(lazyReadSchema, { id: 'lazyRead', description: 'How far one request may read a lazily read vendor past what its page needs (items, calls); past it the vendor fails with UPSTREAM_TOO_LARGE.' });
  // A key's `.describe('…')` (zod's global registry) is its hover text wherever this registry names nothing.
  const own = r.get.bind(r);
  r.get = ((schema: z.core.$ZodType) => own(schema) ?? (z.globalRegistry.get(schema) as { id: string; description?: string } | undefined)) as typeof r.get;
  return r;
}

export function configJsonSchemas(): { vendor: Json; gateway: Json } {
  const metadata = registry();
  const generate = (schema: z.ZodType, title: string, description: string): Json => {
    const raw = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', metadata, override: dropCaseInsensitivePatterns }) as Json;
    const { $schema, $defs, ...root } = widen(raw);
    return { $schema, title, description, ...root, $defs: { ...($defs as Json | undefined), ...SHARED_DEFS } };
  };
  return {
    vendor: withInstances(generate(vendorSchema, 'Switchboard vendor', 'One vendor: config/vendors/<name>.yaml (generated from src/config/vendor-schema.ts by `switchboard schema`).')),
    gateway: generate(gatewaySchema, 'Switchboard gateway', 'config/gateway.yaml (generated from src/config/gateway-schema.ts by `switchboard schema`).'),
  };
}

/**
 * A file with `extends` (src/config/extends.ts) says only what differs from its base: the loader merges
 * before it validates, so such a file is checked against a partial vendor: no key is required, any key
 * may be null (which removes the inherited one), a discriminated union takes any of its branches' keys.
 * A list replaces the inherited one whole, so its items stay complete. The root is either the whole
 * vendor (which has no `extends`) or the partial one (which must): one alternative fits any file, and both
 * keep every key's description at the same path, for hover and for docs/CONFIG.md.
 */
function withInstances(schema: Json): Json {
  const { $schema, title, description, $defs, ...root } = schema;
  const defs = ($defs ?? {}) as Json;
  // A shared definition with required keys (rateLimit) is written out partial where an instance uses it.
  const partialDefs = new Map<string, Json>();
  for (const [name, def] of Object.entries(defs)) {
    if (JSON.stringify(def).includes('"required"')) partialDefs.set(`#/$defs/${name}`, partial(def as Json));
  }
  const inline = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(inline);
    if (!isObject(node)) return node;
    const ref = typeof node.$ref === 'string' ? partialDefs.get(node.$ref) : undefined;
    if (ref) return { ...ref, ...Object.fromEntries(Object.entries(node).filter(([k]) => k !== '$ref')) };
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, inline(v)]));
  };
  const extendsKey = { type: 'string', pattern: '\\.ya?ml$', description: EXTENDS_DESCRIPTION };
  const body = partial(root);
  const instance = inline({
    ...body,
    description: 'A vendor file that extends another: only what differs from its base.',
    properties: { extends: extendsKey, ...(body.properties as Json) },
    required: ['extends'],
  });
  return { $schema, title, description, anyOf: [root, instance], $defs: defs };
}

function partial(node: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'required') continue;
    if (k === 'properties' && isObject(v)) out[k] = Object.fromEntries(Object.entries(v).map(([name, sub]) => [name, nullable(partial(sub as Json))]));
    else if (k === 'additionalProperties' && isObject(v)) out[k] = nullable(partial(v));
    else if ((k === 'anyOf' || k === 'oneOf' || k === 'allOf') && Array.isArray(v)) out[k === 'oneOf' ? 'anyOf' : k] = v.map((sub) => partial(sub as Json));
    else out[k] = v; // items included: a list replaces the inherited one whole
  }
  return out;
}

const nullable = (s: Json): Json => ({ ...(s.description !== undefined ? { description: s.description } : {}), anyOf: [s, { type: 'null' }] });

/** The file contents `switchboard schema` writes, by file name. */
export function schemaFiles(): Record<string, string> {
  const s = configJsonSchemas();
  return {
    [SCHEMA_FILES.vendor]: `${JSON.stringify(s.vendor, null, 2)}\n`,
    [SCHEMA_FILES.gateway]: `${JSON.stringify(s.gateway, null, 2)}\n`,
  };
}

/**
 * A JSON Schema pattern has no flags: written as is, /^[0-9a-f]{64}$/i would flag the upper-case keys the
 * loader accepts. Such a pattern is left out (the loader still checks it).
 */
function dropCaseInsensitivePatterns(ctx: { zodSchema: z.core.$ZodTypes; jsonSchema: z.core.JSONSchema.BaseSchema }): void {
  const checks = (ctx.zodSchema._zod.def as { checks?: { _zod: { def: { pattern?: unknown } } }[] }).checks ?? [];
  if (checks.some(({ _zod: { def } }) => def.pattern instanceof RegExp && def.pattern.flags.includes('i'))) {
    delete ctx.jsonSchema.pattern;
    delete ctx.jsonSchema.allOf;
  }
}

const SCALAR_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'null']);
// zod writes string checks it has no keyword for (startsWith…) as a `format` no validator knows; the
// pattern it writes beside them says the same.
const STANDARD_FORMATS = new Set(['date-time', 'date', 'time', 'duration', 'email', 'hostname', 'ipv4', 'ipv6', 'uri', 'uri-reference', 'uuid', 'regex']);

const isScalar = (s: Json): boolean =>
  !('anyOf' in s || 'oneOf' in s || 'allOf' in s || '$ref' in s || 'properties' in s || 'items' in s) &&
  (typeof s.type === 'string' ? SCALAR_TYPES.has(s.type) : Array.isArray(s.type) && s.type.every((t) => SCALAR_TYPES.has(t as string)));

const typesOf = (s: Json): unknown[] => (Array.isArray(s.type) ? s.type : [s.type]);

/** A scalar whose value is checked, so a `${VAR}` written in its place would be flagged. */
const isChecked = (s: Json): boolean =>
  typesOf(s).some((t) => t === 'number' || t === 'integer' || t === 'boolean') || 'pattern' in s || 'format' in s || 'enum' in s;

const numericStrings = (s: Json): Json[] => {
  const types = typesOf(s);
  if (types.includes('number')) return [{ $ref: '#/$defs/numberString' }];
  if (types.includes('integer')) return [{ $ref: '#/$defs/integerString' }];
  return [];
};

const ENV_BRANCH = { $ref: '#/$defs/envReference' };

function widen(node: Json): Json {
  const s = tidy(node);
  if (isScalar(s)) {
    if (!isChecked(s)) return s;
    const { default: fallback, description, ...rest } = s;
    return { ...(description !== undefined ? { description } : {}), ...(fallback !== undefined ? { default: fallback } : {}), anyOf: [rest, ...numericStrings(rest), ENV_BRANCH] };
  }
  const alternatives = s.anyOf;
  if (Array.isArray(alternatives) && alternatives.every((a) => isScalar(tidy(a as Json)))) {
    // A union of scalars (e.g. true | "true"): one more alternative for all of them.
    const branches = alternatives.map((a) => tidy(a as Json));
    if (!branches.some(isChecked)) return s;
    return { ...s, anyOf: [...branches, ...branches.flatMap(numericStrings), ENV_BRANCH] };
  }
  const out: Json = {};
  for (const [k, v] of Object.entries(s)) {
    if ((k === 'properties' || k === '$defs') && isObject(v)) out[k] = Object.fromEntries(Object.entries(v).map(([name, sub]) => [name, widen(sub as Json)]));
    else if ((k === 'additionalProperties' || k === 'items') && isObject(v)) out[k] = widen(v);
    else if ((k === 'anyOf' || k === 'oneOf' || k === 'allOf') && Array.isArray(v)) out[k] = v.map((sub) => widen(sub as Json));
    else out[k] = v; // propertyNames included: keys are never interpolated
  }
  return out;
}

/** Drops what says nothing: bounds at the safe-integer limits zod adds to every int, unknown formats. */
function tidy(s: Json): Json {
  const out = { ...s };
  if (out.maximum === Number.MAX_SAFE_INTEGER) delete out.maximum;
  if (out.minimum === Number.MIN_SAFE_INTEGER) delete out.minimum;
  if (typeof out.format === 'string' && !STANDARD_FORMATS.has(out.format)) delete out.format;
  return out;
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
