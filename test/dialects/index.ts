/** The test-only dialect vendors: each a YAML config beside its simulator, for suites that run every vendor. */
import { fileURLToPath } from 'node:url';
import type { SimulatorModule } from '../../sim/kit.js';
import { crisplySimulator } from './crisply.js';
import { cursorlySimulator } from './cursorly.js';
import { latestfirstSimulator } from './latestfirst.js';
import { pageboxSimulator } from './pagebox.js';
import { wootSimulator } from './woot.js';

export interface DialectVendor {
  module: SimulatorModule;
  /** Absolute path of the vendor's YAML; its file stem is the vendor name. */
  configFile: string;
}

export const dialectVendors = {
  pagebox: { module: pageboxSimulator, configFile: fileURLToPath(new URL('./pagebox.yaml', import.meta.url)) },
  cursorly: { module: cursorlySimulator, configFile: fileURLToPath(new URL('./cursorly.yaml', import.meta.url)) },
  latestfirst: { module: latestfirstSimulator, configFile: fileURLToPath(new URL('./latestfirst.yaml', import.meta.url)) },
  crisply: { module: crisplySimulator, configFile: fileURLToPath(new URL('./crisply.yaml', import.meta.url)) },
  woot: { module: wootSimulator, configFile: fileURLToPath(new URL('./woot.yaml', import.meta.url)) },
} satisfies Record<string, DialectVendor>;

export { crisplySimulator, cursorlySimulator, latestfirstSimulator, pageboxSimulator, wootSimulator };
