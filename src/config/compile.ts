/** Compiles every loaded vendor, reporting dialect problems like schema problems (file and path). */
import { compileVendor, type CompiledVendor } from '../dialect/vendor.js';
import { DialectError } from '../dialect/fields.js';
import { ConfigError, vendorProblem, type ConfigProblem, type LoadedConfig } from './load.js';

const NO_LINE = { ownLine: false };

export function compileVendors(config: Pick<LoadedConfig, 'gateway' | 'vendors' | 'origins'>): CompiledVendor[] {
  const problems: ConfigProblem[] = [];
  const out: CompiledVendor[] = [];
  for (const v of config.vendors) {
    if (v.baseUrl === '') {
      problems.push(vendorProblem(config, v.name, 'baseUrl', 'is empty: set the vendor URL (its environment variable) or run with embedded simulators', NO_LINE));
      continue;
    }
    try {
      out.push(compileVendor(v, config.gateway));
    } catch (e) {
      if (!(e instanceof DialectError)) throw e;
      problems.push(vendorProblem(config, v.name, e.path, e.message, NO_LINE));
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out;
}
