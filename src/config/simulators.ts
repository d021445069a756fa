/**
 * Which vendors embedded simulators stand in for. Demo conversations must never be merged into real
 * answers, so in `auto` (the default) simulators serve only a config in which no enabled vendor has a base
 * URL: a fresh checkout's `npm start`. Once one vendor is real, every enabled vendor needs its own base URL,
 * or `enabled: false`; an empty one is a start error (and a refused reload) naming the variable to set. We
 * refuse rather than drop the vendor with a warning because a dropped vendor makes every answer quietly
 * smaller while saying `partial: false`: callers can't see a log line. `on` asks for simulators beside real
 * vendors on purpose (a staging setup; logged as a warning); `off`, and NODE_ENV=production, never start one.
 * Used by the gateway and by `switchboard config check`, so both say the same.
 */
import { vendorProblem, type ConfigProblem, type LoadedConfig } from './load.js';

const NO_LINE = { ownLine: false };
import type { VendorConfig } from './vendor-schema.js';

export type SimulatorMode = 'auto' | 'on' | 'off';

/** What the environment asks for; NODE_ENV=production never starts a simulator (src/env.ts refuses SIMULATORS=on there). */
export function simulatorMode(vars: { SIMULATORS: SimulatorMode; NODE_ENV?: string | undefined }): SimulatorMode {
  return vars.NODE_ENV === 'production' ? 'off' : vars.SIMULATORS;
}

export interface SimulatorChoice {
  /** Enabled vendors without a base URL that an embedded simulator serves. */
  simulated: VendorConfig[];
  /** Enabled vendors with a real base URL. */
  real: string[];
  /** Enabled vendors without a base URL that nothing would serve. */
  problems: ConfigProblem[];
}

/** `known`: the embedded simulators there are (by the name a vendor's `simulator:` gives). */
export function chooseSimulated(config: LoadedConfig, mode: SimulatorMode, known: readonly string[]): SimulatorChoice {
  const enabled = config.vendors.filter((v) => v.enabled);
  const real = enabled.filter((v) => v.baseUrl !== '').map((v) => v.name);
  const allowed = mode === 'on' || (mode === 'auto' && real.length === 0);
  const why =
    mode === 'off'
      ? 'embedded simulators are off (SIMULATORS=off, or NODE_ENV=production)'
      : `embedded simulators serve only a config without real vendors, and ${real.join(', ')} ${real.length === 1 ? 'has' : 'have'} a base URL (SIMULATORS=on mixes demo data in on purpose)`;
  const simulated: VendorConfig[] = [];
  const problems: ConfigProblem[] = [];
  for (const v of enabled) {
    if (v.baseUrl !== '') continue;
    const vars = (config.substitutions[v.name] ?? []).filter((s) => s.path.length === 1 && s.path[0] === 'baseUrl').map((s) => s.variable);
    const set = vars.length > 0 ? `set ${vars.join(', ')}` : 'set it';
    if (!allowed) {
      problems.push(vendorProblem(config, v.name, 'baseUrl', `is empty: ${set}, or set enabled: false; ${why}`, NO_LINE));
    } else if (v.simulator === undefined) {
      problems.push(vendorProblem(config, v.name, 'baseUrl', `is empty and names no embedded simulator: ${set}`, NO_LINE));
    } else if (!known.includes(v.simulator)) {
      problems.push(vendorProblem(config, v.name, 'simulator', `no embedded simulator is called "${v.simulator}" (known: ${known.join(', ')}); set the vendor's base URL`, NO_LINE));
    } else simulated.push(v);
  }
  return { simulated, real, problems };
}
