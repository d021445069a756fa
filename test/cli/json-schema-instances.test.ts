/**
 * config/vendor.schema.json for a file with `extends:` (src/config/extends.ts): what an editor checks is
 * what the loader merges, so a four-line instance is valid, and a typo in one is still flagged.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { schemaFiles, SCHEMA_FILES } from '../../src/cli/json-schema.js';

const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false });
addFormatsModule.default(ajv);
const validate = ajv.compile(JSON.parse(schemaFiles()[SCHEMA_FILES.vendor]!));
const errorsOf = () => (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`).join('; ');

describe('vendor JSON Schema: files that extend another', () => {
  const instance = { extends: 'siteassist.yaml', name: 'siteassist-eu', baseUrl: '${SITEASSIST_EU_BASE_URL:-}', auth: { type: 'bearer', token: '${SITEASSIST_EU_TOKEN:-demo}' } };

  it('accepts a partial vendor: nothing required, null removes, a union takes any branch keys, nested mappings partial', () => {
    expect(validate(instance), errorsOf()).toBe(true);
    const more = { ...instance, mirror: null, timeoutMs: '${EU_TIMEOUT:-900}', rateLimit: { burst: 3 }, request: { pagination: { maxPageSize: 50 }, query: { region: null } }, response: { total: null, fields: { title: ['subject'] } } };
    expect(validate(more), errorsOf()).toBe(true);
  });

  it('still flags unknown keys, wrong types and bad values in one, and an extends that is not a YAML file', () => {
    expect(validate({ ...instance, nmae: 'x' })).toBe(false);
    expect(validate({ ...instance, auth: { type: 'bearer', tokn: 'x' } })).toBe(false);
    expect(validate({ ...instance, timeoutMs: 'soon' })).toBe(false);
    expect(validate({ ...instance, baseUrl: 'not a url' })).toBe(false);
    expect(validate({ ...instance, response: { fields: { title: [{ path: 'a..b' }] } } })).toBe(false);
    expect(validate({ ...instance, extends: 'siteassist.json' })).toBe(false);
    expect(validate({ ...instance, extends: 3 })).toBe(false);
  });

  it('a file without extends is still a whole vendor', () => {
    const { extends: _, ...rest } = instance;
    expect(validate(rest)).toBe(false);
    expect(errorsOf()).toMatch(/required property 'path'/);
  });
});
