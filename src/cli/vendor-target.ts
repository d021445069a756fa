/**
 * The one vendor a tooling command works on (`probe`, `verify`): its config loaded from the folder, and its
 * embedded simulator started when its base URL is empty. What each command then does with it is its own.
 */
import { simulators as embedded } from '../../sim/index.js';
import { credentialsOf, parseFaults, startSimulator, type Simulator } from '../../sim/kit.js';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { simulatorMode } from '../config/simulators.js';
import type { VendorConfig } from '../config/vendor-schema.js';
import { printConfigError } from './check.js';
import { UsageError, type CliContext, type ExitCode } from './context.js';

export interface VendorTarget {
  config: LoadedConfig;
  /** The vendor's config; its baseUrl is the simulator's when one answers for it. */
  vendor: VendorConfig;
  /** The embedded simulator answering for it, when its base URL is empty. */
  sim: Simulator | undefined;
  /** Whether embedded simulators may run (never with NODE_ENV=production). */
  simulators: 'on' | 'off';
  close(): Promise<void>;
}

/** The target, or the exit code after saying why there is none (a config problem, no URL to call). */
export async function openVendorTarget(name: string, dir: string, ctx: CliContext): Promise<VendorTarget | ExitCode> {
  let config: LoadedConfig;
  try {
    config = await loadConfig(dir, ctx.env);
  } catch (e) {
    return printConfigError(e, dir, ctx);
  }
  const vendor = config.vendors.find((x) => x.name === name);
  if (!vendor) throw new UsageError(`no vendor "${name}" in ${dir} (configured: ${config.vendors.map((x) => x.name).join(', ')})`);

  const simulators = simulatorMode(ctx.vars) !== 'off' ? 'on' : 'off';
  let sim: Simulator | undefined;
  if (vendor.baseUrl === '') {
    const mod = simulators === 'on' && vendor.simulator !== undefined ? embedded[vendor.simulator] : undefined;
    if (!mod) {
      ctx.err(`${name}: baseUrl is empty: set the vendor's URL (its environment variable)${vendor.simulator !== undefined ? ' or run with SIMULATORS=auto' : ''}`);
      return 1;
    }
    sim = await startSimulator(mod.behaviour(credentialsOf(vendor)), {
      data: mod.demoData(ctx.vars.SIM_SEED, ctx.vars.SIM_COUNT),
      fault: parseFaults(ctx.vars.SIM_FAULTS)[name] ?? null,
    });
    vendor.baseUrl = sim.url;
  }
  return { config, vendor, sim, simulators, close: async () => sim?.close() };
}
