/**
 * What the build says of itself (switchboard_build_info, the traces' service.version): the package
 * version, found by walking up from this file (src/metrics/ under tsx, dist/src/metrics/ when built).
 */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';

export function packageVersion(): string {
  for (let up = '../../'; up.length <= 12; up += '../') {
    try {
      const pkg = JSON.parse(readFileSync(new URL(`${up}package.json`, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'switchboard' && pkg.version) return pkg.version;
    } catch {
      /* not there: one folder up */
    }
  }
  return 'unknown';
}

/**
 * A short hash of a loaded config, equal on replicas that serve the same one. Of the config as loaded
 * (variables substituted), so a changed secret changes it too; 16 hex digits of SHA-256 reveal nothing of it.
 */
export function configHash(config: unknown): string {
  return createHash('sha256').update(JSON.stringify(config)).digest('hex').slice(0, 16);
}
