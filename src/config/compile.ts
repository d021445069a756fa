/** Compiles every loaded vendor, reporting dialect problems like schema problems (file and path). */
import { compileVendor, type CompiledVendor } from '../dialect/vendor.js';
import { DialectError } from '../dialect/fields.js';
import { ConfigError, type ConfigProblem, type LoadedConfig } from './load.js';

export function compileVendors(config: Pick<LoadedConfig, 'gateway' | 'vendors'>): CompiledVendor[] {
  const problems: ConfigProblem[] = [];
  const out: CompiledVendor[] = [];
  for (const v of config.vendors) {
    const file = `vendors/${v.name}.yaml`;
    if (v.baseUrl === '') {
      problems.push({ file, line: null, path: 'baseUrl', message: 'is empty: set the vendor URL (its environment variable) or run with embedded simulators' });
      continue;
    }
    try {
      out.push(compileVendor(v, config.gateway));
    } catch (e) {
      if (!(e instanceof DialectError)) throw e;
      problems.push({ file, line: null, path: e.path, message: e.message });
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out;
}
