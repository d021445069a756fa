/**
 * The committed JSON Schemas are what `switchboard schema` generates now (they can't drift from the zod
 * schemas), and every shipped YAML validates against its schema — as written (what an editor sees, with
 * ${VAR} references) and as the loader sees it (interpolated with an empty environment).
 */
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { schemaFiles, SCHEMA_FILES } from '../../src/cli/json-schema.js';
import { interpolate } from '../../src/config/interpolate.js';
import { ROOT } from '../helpers/harness.js';

const CONFIG = join(ROOT, 'config');
const addFormats = addFormatsModule.default;

const validators = new Map<string, ValidateFunction>();
function validator(file: string): ValidateFunction {
  let v = validators.get(file);
  if (!v) {
    const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false });
    addFormats(ajv);
    validators.set(file, (v = ajv.compile(JSON.parse(schemaFiles()[file]!))));
  }
  return v;
}

const vendorFiles = async (): Promise<string[]> => [
  ...(await readdir(join(CONFIG, 'vendors'))).filter((f) => f.endsWith('.yaml')).map((f) => join(CONFIG, 'vendors', f)),
  ...(await readdir(join(ROOT, 'test/dialects'))).filter((f) => f.endsWith('.yaml')).map((f) => join(ROOT, 'test/dialects', f)),
];

const errorsOf = (v: ValidateFunction) => (v.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);

describe('config JSON Schemas', () => {
  it('are committed exactly as generated (run `npm run schema` after changing src/config/*-schema.ts)', async () => {
    for (const [name, text] of Object.entries(schemaFiles())) {
      expect(await readFile(join(CONFIG, name), 'utf8'), name).toBe(text);
    }
  });

  it('validate every shipped vendor YAML and gateway.yaml, as written and interpolated with an empty env', async () => {
    const cases = [
      ...(await vendorFiles()).map((f) => [f, SCHEMA_FILES.vendor] as const),
      [join(CONFIG, 'gateway.yaml'), SCHEMA_FILES.gateway] as const,
    ];
    expect(cases.length).toBeGreaterThanOrEqual(6);
    for (const [file, schema] of cases) {
      const validate = validator(schema);
      const written = parse(await readFile(file, 'utf8'));
      expect(validate(written), `${file} as written: ${errorsOf(validate).join('; ')}`).toBe(true);
      const loaded = interpolate(written, {});
      expect(validate(loaded), `${file} interpolated: ${errorsOf(validate).join('; ')}`).toBe(true);
    }
  });

  it("are named by each YAML's first line, for yaml-language-server", async () => {
    const cases = [...(await vendorFiles()).map((f) => [f, SCHEMA_FILES.vendor] as const), [join(CONFIG, 'gateway.yaml'), SCHEMA_FILES.gateway] as const];
    for (const [file, schema] of cases) {
      const first = (await readFile(file, 'utf8')).split('\n')[0]!;
      const m = /^# yaml-language-server: \$schema=(\S+)$/.exec(first);
      expect(m, file).not.toBeNull();
      expect(resolve(dirname(file), m![1]!), file).toBe(join(CONFIG, schema));
    }
  });

  it('flag what the loader refuses: unknown keys, wrong types, a bad enum value', () => {
    const validate = validator(SCHEMA_FILES.vendor);
    const base = {
      name: 'acme',
      baseUrl: '${ACME_BASE_URL:-}',
      path: '/v1/conversations',
      request: { pagination: { style: 'offset', limitParam: 'limit', offsetParam: 'offset', maxPageSize: '${ACME_PAGE:-100}' } },
      response: { items: 'data', fields: { externalId: 'id', createdAt: { path: 'created', time: 'unix' } } },
    };
    expect(validate(base), errorsOf(validate).join('; ')).toBe(true);
    expect(validate({ ...base, timeoutMs: '2500' }), 'a numeric string is what ${VAR:-2500} becomes').toBe(true);
    expect(validate({ ...base, timeoutMs: 'soon' })).toBe(false);
    expect(validate({ ...base, baseUrl: 'not a url' })).toBe(false);
    expect(validate({ ...base, pathh: '/typo' })).toBe(false);
    expect(validate({ ...base, request: { pagination: { style: 'offset', limitParam: 'limit', offsetParam: 'offset', maxPageSize: 100, extra: 1 } } })).toBe(false);
    expect(validate({ ...base, response: { ...base.response, fields: { externalId: 'id', createdAt: { path: 'created', time: 'weekday' } } } })).toBe(false);
    expect(validate({ ...base, response: { ...base.response, items: 'a..b' } })).toBe(false);

    const gateway = validator(SCHEMA_FILES.gateway);
    expect(gateway({ limits: { maxLimit: '${MAX_LIMIT:-50}' }, inbound: { authRequired: '${AUTH_REQUIRED:-false}' } }), errorsOf(gateway).join('; ')).toBe(true);
    expect(gateway({ inbound: { clients: [{ id: 'billing', keySha256: 'AB'.repeat(32) }] } }), 'the loader takes upper-case hex too').toBe(true);
    expect(gateway({ limits: { maxLimt: 50 } })).toBe(false);
    expect(gateway({ inbound: { authRequired: 'yes' } })).toBe(false);
  });
});
