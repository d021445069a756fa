/** README's "Adding a vendor" section: its example is a vendor file the loader accepts, and its keys are explained. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { interpolate } from '../../src/config/interpolate.js';
import { vendorSchema } from '../../src/config/vendor-schema.js';
import { compileVendor } from '../../src/dialect/vendor.js';
import { gatewaySchema } from '../../src/config/gateway-schema.js';
import { ROOT } from '../helpers/harness.js';

async function section(): Promise<string> {
  const text = await readFile(join(ROOT, 'README.md'), 'utf8');
  const start = text.indexOf('\n## Adding a vendor\n');
  expect(start).toBeGreaterThan(0);
  const end = text.indexOf('\n## ', start + 1);
  return text.slice(start, end === -1 ? undefined : end);
}

describe('README: Adding a vendor', () => {
  it('documents hasMore, order.nulls, fixedPageSize and errorWhen, in an example the loader accepts', async () => {
    const s = await section();
    const example = /```yaml\n([\s\S]*?)```/.exec(s)![1]!;
    const env = { ACME_BASE_URL: 'https://acme.test', ACME_TOKEN: 't', ACME_WORKSPACE: 'w' };
    const vendor = vendorSchema.parse(interpolate(parse(example), env));
    expect(() => compileVendor(vendor, gatewaySchema.parse({}))).not.toThrow();
    // Each key is in the example, where the schema wants it, and explained in the list below it.
    expect(vendor.request.order?.nulls).toBe('last');
    expect(vendor.response.hasMore).toBeDefined();
    expect(vendor.response.errorWhen).toEqual({ path: 'success', equals: false });
    expect(example).toMatch(/fixedPageSize: \d+/);
    for (const key of ['request.order.nulls', 'request.pagination.fixedPageSize', 'response.hasMore', 'response.errorWhen']) {
      expect(s, key).toContain(`- **\`${key}\`**`);
    }
  });
});
