/** The shipped vendor configs, compiled, without starting anything (for pure-stage tests). */
import { join } from 'node:path';
import { compileVendors } from '../../src/config/compile.js';
import { loadConfig } from '../../src/config/load.js';
import type { CompiledVendor } from '../../src/dialect/vendor.js';
import { DEMO_CREDENTIALS } from './demo-credentials.js';
import { ROOT } from './harness.js';

export async function shippedVendors(): Promise<Record<string, CompiledVendor>> {
  const env = { UNCODIE_BASE_URL: 'http://127.0.0.1:9', SUPERAGENTES_BASE_URL: 'http://127.0.0.1:9', SITEASSIST_BASE_URL: 'http://127.0.0.1:9', ...DEMO_CREDENTIALS };
  const vendors = compileVendors(await loadConfig(join(ROOT, 'config'), env));
  return Object.fromEntries(vendors.map((v) => [v.name, v]));
}
