/**
 * docs/CONFIG.md is the vendor YAML reference: every key of config/vendor.schema.json is described in the
 * schema itself (editors show it on hover) and has an entry in the document, and the document's examples
 * are real: a block marked `<!-- vendor -->` is a whole vendor the loader accepts, any other yaml block parses.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configJsonSchemas } from '../../src/cli/json-schema.js';
import { gatewaySchema } from '../../src/config/gateway-schema.js';
import { interpolate } from '../../src/config/interpolate.js';
import { vendorSchema } from '../../src/config/vendor-schema.js';
import { compileVendor } from '../../src/dialect/vendor.js';
import { ROOT } from '../helpers/harness.js';

type Json = { [key: string]: unknown };

/** The marker line before a yaml block that is a whole vendor file. */
const VENDOR_MARKER = '<!-- vendor -->';

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Every key of a JSON Schema with its node: `a.b.c` for nested properties, `<name>` for a record's keys
 * (`request.query.<name>.value`); items and alternatives (anyOf, oneOf, allOf) add no segment. $refs are
 * not followed: each $def is walked under its own name (`rateLimit.perMinute`, `value.map`).
 */
function keys(schema: Json): { path: string; node: Json }[] {
  const out: { path: string; node: Json }[] = [];
  const walk = (node: unknown, at: string): void => {
    if (!isObject(node)) return;
    if (isObject(node.properties)) {
      for (const [k, sub] of Object.entries(node.properties)) {
        const path = at ? `${at}.${k}` : k;
        out.push({ path, node: sub as Json });
        walk(sub, path);
      }
    }
    if (isObject(node.additionalProperties)) walk(node.additionalProperties, `${at}.<name>`);
    walk(node.items, at);
    for (const k of ['anyOf', 'oneOf', 'allOf']) for (const sub of (node[k] as unknown[] | undefined) ?? []) walk(sub, at);
  };
  walk(schema, '');
  for (const [name, def] of Object.entries((schema.$defs as Json | undefined) ?? {})) walk(def, name);
  return out;
}


async function reference(): Promise<string> {
  return readFile(join(ROOT, 'docs/CONFIG.md'), 'utf8');
}

/** Each ```yaml block of the document, with whether the marker line stands right before it. */
function yamlBlocks(text: string): { line: number; yaml: string; vendor: boolean }[] {
  const blocks: { line: number; yaml: string; vendor: boolean }[] = [];
  const re = /^```yaml\n([\s\S]*?)^```$/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const before = text.slice(0, m.index).trimEnd().split('\n');
    blocks.push({ line: before.length + 1, yaml: m[1]!, vendor: before.at(-1)!.trim() === VENDOR_MARKER });
  }
  return blocks;
}

describe('docs/CONFIG.md and the vendor schema', () => {
  const vendor = configJsonSchemas().vendor;

  it('describes every key of the generated vendor and gateway schemas (what editors show on hover)', () => {
    const all = keys(vendor);
    expect(all.length).toBeGreaterThan(150);
    const missing = all.filter(({ path, node }) => !(typeof node.description === 'string' && node.description.trim() !== ''));
    expect(missing.map((k) => k.path)).toEqual([]);
    const gateway = keys(configJsonSchemas().gateway).filter(({ node }) => !(typeof node.description === 'string' && node.description.trim() !== ''));
    expect(gateway.map((k) => `gateway: ${k.path}`)).toEqual([]);
  });

  it('has an entry, as `code`, for every key path of the vendor schema', async () => {
    const text = await reference();
    const paths = [...new Set(keys(vendor).map((k) => k.path))];
    expect(paths).toContain('request.pagination.minPageSize');
    expect(paths).toContain('response.fields.lastMessage.from');
    expect(paths).toContain('mirror.strategy');
    expect(paths.filter((p) => !text.includes(`\`${p}\``))).toEqual([]);
  });

  it('shows whole vendors the loader accepts, and fragments that parse', async () => {
    const blocks = yamlBlocks(await reference());
    const vendors = blocks.filter((b) => b.vendor);
    expect(vendors.length).toBeGreaterThanOrEqual(3);
    expect(blocks.length - vendors.length).toBeGreaterThanOrEqual(20);
    const env = { ACME_BASE_URL: 'https://acme.test', ACME_TOKEN: 't', ACME_WORKSPACE: '9be0a6a2-5567-41bf-ad06-cb4014f0faf2' };
    const gateway = gatewaySchema.parse({});
    for (const b of blocks) {
      const doc = (() => {
        try {
          return parse(b.yaml) as unknown;
        } catch (e) {
          throw new Error(`docs/CONFIG.md:${b.line}: the yaml block doesn't parse: ${(e as Error).message}`);
        }
      })();
      expect(isObject(doc), `docs/CONFIG.md:${b.line}: a yaml block is a mapping`).toBe(true);
      if (!b.vendor) continue;
      const result = vendorSchema.safeParse(interpolate(doc, env));
      expect(result.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [], `docs/CONFIG.md:${b.line}`).toEqual([]);
      expect(() => compileVendor(result.data!, gateway), `docs/CONFIG.md:${b.line}`).not.toThrow();
    }
  });
});
