/**
 * The config as the CLI sees it: loaded, auth-checked and compiled exactly as the gateway does, without
 * starting anything. A vendor the gateway would serve from an embedded simulator (or never call, being
 * disabled) may have an empty baseUrl: it gets a placeholder so it compiles, as src/gateway.ts does.
 */
import { simulators as embedded } from '../../sim/index.js';
import { compileVendors } from '../config/compile.js';
import type { Env } from '../config/interpolate.js';
import { ConfigError, loadConfig, type ConfigProblem, type LoadedConfig } from '../config/load.js';
import { chooseSimulated, type SimulatorMode } from '../config/simulators.js';
import type { CompiledVendor } from '../dialect/vendor.js';
import { checkAuthConfig } from '../inbound/auth.js';

/** Where a vendor without a base URL "is" while its config is checked or explained: never called. */
export const PLACEHOLDER_URL = 'http://simulator.invalid';

export interface ToolingConfig {
  config: LoadedConfig;
  vendors: CompiledVendor[];
  /** Vendors compiled against the placeholder URL (an embedded simulator or nothing would serve them). */
  placeholders: ReadonlySet<string>;
}

export interface ToolingOptions {
  /** Whether embedded simulators may stand in for vendors without a base URL: `simulatorMode(vars)`, as the gateway decides. */
  simulators: SimulatorMode;
}

/** Reads and checks a config folder; throws a ConfigError naming every problem found. */
export async function loadToolingConfig(dir: string, env: Env, opts: ToolingOptions): Promise<ToolingConfig> {
  return compileToolingConfig(await loadConfig(dir, env), opts);
}

/** Auth checks and compilation of a loaded config (the caller may have set base URLs first). */
export function compileToolingConfig(config: LoadedConfig, opts: ToolingOptions): ToolingConfig {
  const problems: ConfigProblem[] = [];
  const collect = (f: () => void) => {
    try {
      f();
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems.push(...e.problems);
    }
  };
  collect(() => checkAuthConfig(config.gateway.inbound, config.vendors.map((v) => v.name)));

  const placeholders = new Set<string>();
  // The gateway's own choice (src/config/simulators.ts), so check says what a start would.
  const choice = chooseSimulated(config, opts.simulators, Object.keys(embedded));
  problems.push(...choice.problems);
  const served = new Set(choice.simulated.map((v) => v.name));
  for (const v of config.vendors) {
    if (v.baseUrl !== '') continue;
    // A refused vendor gets the placeholder too: one problem for it, not a second one about its empty baseUrl.
    v.baseUrl = PLACEHOLDER_URL;
    if (!v.enabled || served.has(v.name)) placeholders.add(v.name);
  }
  let vendors: CompiledVendor[] = [];
  collect(() => (vendors = compileVendors(config)));
  if (problems.length > 0) throw new ConfigError(problems);
  return { config, vendors, placeholders };
}
