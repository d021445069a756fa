/**
 * Reads config/gateway.yaml and config/vendors/*.yaml, interpolates env, validates with zod and reports
 * every problem with the file, its line, the path inside it and what was expected.
 */
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { z } from 'zod';
import { gatewaySchema, type GatewayConfig } from './gateway-schema.js';
import { demoCredentialProblems } from './credentials.js';
import { LayerReader, resolveVendor, singleSource, type Source } from './extends.js';
import { clashMessage, collisionMessage, paramClashes, paramCollisions } from './param-collisions.js';
import { interpolate, InterpolationError, type Env, type Substitution } from './interpolate.js';
import { vendorSchema, type VendorConfig } from './vendor-schema.js';
import { checkAuthConfig } from '../inbound/auth.js';

export interface ConfigProblem {
  file: string;
  line: number | null;
  path: string;
  message: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(`invalid configuration:\n${problems.map(formatProblem).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export const formatProblem = (p: ConfigProblem): string =>
  `  ${p.file}${p.line === null ? '' : `:${p.line}`}: ${p.path || '(root)'}: ${p.message}`;

export interface LoadedConfig {
  gateway: GatewayConfig;
  vendors: VendorConfig[];
  /** Per vendor name: where each `${VAR}` of its file took its value (so a problem can name the variable to set). */
  substitutions: Readonly<Record<string, readonly Substitution[]>>;
  /** Per vendor name: its file and where each of its values was written (its own file, or one it extends). */
  origins?: Readonly<Record<string, VendorOrigin>>;
}

export interface VendorOrigin {
  /** The vendor's own file, relative to the config folder. */
  file: string;
  at(path: readonly (string | number)[]): { file: string; line: number | null };
}

/**
 * A problem of one vendor, said of its own file: at the line when the value was written there, else naming
 * the file and line it inherited the value from (extends:), which may be right for the vendors it serves.
 * `ownLine: false` leaves the own file's line out (the dialect's and the simulator choice's problems have
 * always been said by file and path alone; an inherited value is still traced to its file and line).
 */
export function vendorProblem(
  config: Pick<LoadedConfig, 'origins'>,
  vendor: string,
  path: string | readonly (string | number)[],
  message: string,
  { ownLine = true }: { ownLine?: boolean } = {},
): ConfigProblem {
  const keys = typeof path === 'string' ? path.split('.') : path;
  const joined = typeof path === 'string' ? path : path.join('.');
  const origin = config.origins?.[vendor];
  const file = origin?.file ?? `vendors/${vendor}.yaml`;
  if (!origin) return { file, line: null, path: joined, message };
  const at = origin.at(keys);
  if (at.file === file) return { file, line: ownLine ? at.line : null, path: joined, message };
  return { file, line: null, path: joined, message: `${message} (written at ${at.file}${at.line === null ? '' : `:${at.line}`})` };
}

export async function loadConfig(dir: string, env: Env): Promise<LoadedConfig> {
  const problems: ConfigProblem[] = [];
  const reader = new LayerReader(dir, problems);
  const gatewayLayer = await reader.read(join(dir, 'gateway.yaml'));
  const gatewayParsed = gatewayLayer ? parseSource(singleSource(gatewayLayer), gatewaySchema, env, problems) : undefined;
  const gateway = gatewayLayer === null ? gatewaySchema.parse({}) : gatewayParsed?.data;

  const vendorDir = join(dir, 'vendors');
  const files = (await readdir(vendorDir).catch(() => [] as string[]))
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort();
  const vendors: VendorConfig[] = [];
  const substitutions: Record<string, readonly Substitution[]> = {};
  const fileOf = new Map<string, string>();
  const origins: Record<string, VendorOrigin> = {};
  // What an instance inherits is checked with its base too: the same problem at the same line is said once.
  const inherited: { problem: ConfigProblem; via: string }[] = [];
  for (const f of files) {
    const file = join(vendorDir, f);
    const rel = relative(dir, file);
    const source = await resolveVendor(file, vendorDir, reader);
    if (!source) continue;
    const sink: ConfigProblem[] = [];
    const parsed = parseSource(source, vendorSchema, env, sink);
    for (const p of sink) (p.file === rel ? problems.push(p) : inherited.push({ problem: p, via: rel }));
    if (!parsed?.complete) continue;
    const { data: v, used } = parsed;
    const at = (path: readonly (string | number)[]) => source.origin(path).line;
    const stem = f.replace(/\.ya?ml$/, '');
    if (v.name !== stem) {
      const from = source.origin(['name']).file;
      const why = from === rel ? '' : ` (it is "${v.name}", from ${from}, which this file extends: an instance needs its own name)`;
      problems.push({ file: rel, line: from === rel ? at(['name']) : null, path: 'name', message: `must match the file name "${stem}"${why}` });
      continue;
    }
    const other = fileOf.get(v.name);
    if (other !== undefined) {
      problems.push({ file: rel, line: at(['name']), path: 'name', message: `"${v.name}" is also the name of ${other}: each vendor needs its own name` });
      continue;
    }
    fileOf.set(v.name, rel);
    origins[v.name] = { file: rel, at: (path) => source.origin(path) };
    for (const p of demoCredentialProblems(v, used)) problems.push(vendorProblem({ origins }, v.name, p.path, p.message));
    for (const c of paramCollisions(v)) {
      const fixed = source.origin(c.fixed);
      problems.push(vendorProblem({ origins }, v.name, c.path, collisionMessage(c, `${fixed.file}${fixed.line === null ? '' : `:${fixed.line}`}`)));
    }
    for (const c of paramClashes(v)) {
      const other = source.origin(c.other);
      problems.push(vendorProblem({ origins }, v.name, c.path, clashMessage(c, `${other.file}${other.line === null ? '' : `:${other.line}`}`)));
    }
    vendors.push(v);
    substitutions[v.name] = used;
  }
  const said = new Set(problems.map(problemKey));
  for (const { problem, via } of inherited) {
    if (said.has(problemKey(problem))) continue;
    said.add(problemKey(problem));
    problems.push({ ...problem, message: `${problem.message} (inherited by ${via})` });
  }
  if (files.length === 0) problems.push({ file: relative(dir, vendorDir) || vendorDir, line: null, path: '', message: 'no vendor files (*.yaml) found' });
  // A broken folder still gets the gateway's start check of inbound.clients (after API_CLIENTS was read as
  // YAML), so one run names every problem; a vendor is known by its file's name, which `name` must match.
  // A sound folder leaves it to its caller, which checks it beside the dialects (src/gateway.ts, the CLI).
  if (gateway && problems.length > 0) {
    try {
      checkAuthConfig(gateway.inbound, files.map((f) => f.replace(/\.ya?ml$/, '')));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems.push(...e.problems);
    }
  }
  if (problems.length > 0 || !gateway) throw new ConfigError(problems);
  return { gateway, vendors, substitutions, origins };
}

const problemKey = (p: ConfigProblem) => `${p.file}\0${p.line}\0${p.path}\0${p.message}`;

/** A parsed file: its data, where each `${VAR}` took its value. */
interface Parsed<T> {
  data: T;
  used: Substitution[];
  /** False when a variable was unset: its problem is recorded, and the values that needed it are missing. */
  complete: boolean;
}

/** Interpolates and validates a (merged) source; each problem names the file and line its value was written at. */
function parseSource<S extends z.ZodType>(source: Source, schema: S, env: Env, problems: ConfigProblem[]): Parsed<z.infer<S>> | undefined {
  const locate = (path: readonly (string | number)[], p: Omit<ConfigProblem, 'file' | 'line'>) => {
    const { file, line } = source.origin(path);
    problems.push({ file, line, ...p });
  };
  const used: Substitution[] = [];
  const missing: InterpolationError[] = [];
  const data = interpolate(source.tree, env, [], used, missing);
  for (const e of missing) locate(e.path, { path: e.path.join('.'), message: e.message });
  // A value with an unset variable is taken out, so a key with a default still lets the rest of the file be
  // checked (its clients, say); what the schema then says about those very paths would only repeat it.
  for (const e of missing) removeAt(data, e.path);
  const unset = missing.map((e) => e.path.join('.'));
  const result = schema.safeParse(data);
  if (result.success) return { data: result.data, used, complete: missing.length === 0 };
  for (const issue of result.error.issues) {
    const path = issue.path.map(String);
    const joined = path.join('.');
    if (unset.some((u) => joined === u || joined.startsWith(`${u}.`))) continue;
    locate(path, { path: joined, message: issue.message });
  }
  return undefined;
}

function removeAt(tree: unknown, path: readonly (string | number)[]): void {
  let node = tree;
  for (const key of path.slice(0, -1)) {
    if (node === null || typeof node !== 'object') return;
    node = (node as Record<string | number, unknown>)[key];
  }
  if (node !== null && typeof node === 'object' && path.length > 0) delete (node as Record<string | number, unknown>)[path[path.length - 1]!];
}
