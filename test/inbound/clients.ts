/** Test API keys (made fresh per run; only their SHA-256 goes into config) and a manual clock. */
import { createHash, randomBytes } from 'node:crypto';
export { ManualClock } from '../helpers/clock.js';

export interface TestKey {
  key: string;
  sha256: string;
}

export function newKey(): TestKey {
  const key = randomBytes(32).toString('base64url');
  return { key, sha256: createHash('sha256').update(key).digest('hex') };
}

export const bearer = (k: TestKey) => ({ authorization: `Bearer ${k.key}` });
