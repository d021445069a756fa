/** The seed vendors' simulators by name, plus the harness, for tests and the demo server. */
import type { SimulatorModule } from './kit.js';
import { siteassistSimulator } from './siteassist.js';
import { superagentesSimulator } from './superagentes.js';
import { uncodieSimulator } from './uncodie.js';

export const simulators: Record<string, SimulatorModule> = {
  uncodie: uncodieSimulator,
  superagentes: superagentesSimulator,
  siteassist: siteassistSimulator,
};

export { uncodieSimulator, superagentesSimulator, siteassistSimulator };
export { siteassistBehaviour, type Spelling } from './siteassist.js';
export { startSimulator, intParam, iso } from './kit.js';
export type {
  Fault,
  SimCredentials,
  SimRequest,
  SimResponse,
  Simulator,
  SimulatorModule,
  SimulatorOptions,
  VendorBehaviour,
} from './kit.js';
export { generateConversations, prng, uuidFrom, DEFAULT_CHANNELS, DEMO_START } from './canonical.js';
export type { CanonicalConversation, CanonicalMessage, GenerateOptions } from './canonical.js';
