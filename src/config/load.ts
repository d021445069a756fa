/**
 * Reads config/gateway.yaml and config/vendors/*.yaml, interpolates env, validates with zod and reports
 * every problem with the file, its line, the path inside it and what was expected.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import type { z } from 'zod';
import { gatewaySchema, type GatewayConfig } from './gateway-schema.js';
import { demoCredentialProblems } from './credentials.js';
import { collisionMessage, paramCollisions } from './param-collisions.js';
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
}

export async function loadConfig(dir: string, env: Env): Promise<LoadedConfig> {
  const problems: ConfigProblem[] = [];
  const gatewayFile = join(dir, 'gateway.yaml');
  const gatewayText = await readFile(gatewayFile, 'utf8').catch(() => null);
  const gatewayParsed = gatewayText === null ? undefined : parseFile(gatewayFile, gatewayText, gatewaySchema, env, problems, dir);
  const gateway = gatewayText === null ? gatewaySchema.parse({}) : gatewayParsed?.data;

  const vendorDir = join(dir, 'vendors');
  const files = (await readdir(vendorDir).catch(() => [] as string[]))
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort();
  const vendors: VendorConfig[] = [];
  const substitutions: Record<string, readonly Substitution[]> = {};
  for (const f of files) {
    const file = join(vendorDir, f);
    const parsed = parseFile(file, await readFile(file, 'utf8'), vendorSchema, env, problems, dir);
    if (!parsed?.complete) continue;
    const { data: v, used, at } = parsed;
    const stem = f.replace(/\.ya?ml$/, '');
    if (v.name !== stem) {
      problems.push({ file: relative(dir, file), line: null, path: 'name', message: `must match the file name "${stem}"` });
      continue;
    }
    const rel = relative(dir, file);
    for (const p of demoCredentialProblems(v, used)) problems.push({ file: rel, line: at(p.path), path: p.path.join('.'), message: p.message });
    for (const c of paramCollisions(v)) {
      const fixedAt = at(c.fixed);
      problems.push({
        file: rel,
        line: at(c.path),
        path: c.path.join('.'),
        message: collisionMessage(c, `${rel}${fixedAt === null ? '' : `:${fixedAt}`}`),
      });
    }
    vendors.push(v);
    substitutions[v.name] = used;
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
  return { gateway, vendors, substitutions };
}

/** A parsed file: its data, where each `${VAR}` took its value, and the line of a path in it. */
interface Parsed<T> {
  data: T;
  used: Substitution[];
  at(path: readonly (string | number)[]): number | null;
  /** False when a variable was unset: its problem is recorded, and the values that needed it are missing. */
  complete: boolean;
}

function parseFile<S extends z.ZodType>(
  file: string,
  text: string,
  schema: S,
  env: Env,
  problems: ConfigProblem[],
  root: string,
): Parsed<z.infer<S>> | undefined {
  const name = relative(root, file) || file;
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      problems.push({ file: name, line: lines.linePos(e.pos[0]).line, path: '', message: `YAML syntax: ${e.message.split('\n')[0]}` });
    }
    return undefined;
  }
  const used: Substitution[] = [];
  const missing: InterpolationError[] = [];
  const data = interpolate(doc.toJS() ?? {}, env, [], used, missing);
  for (const e of missing) problems.push({ file: name, line: lineOf(doc, lines, e.path), path: e.path.join('.'), message: e.message });
  // A value with an unset variable is taken out, so a key with a default still lets the rest of the file be
  // checked (its clients, say); what the schema then says about those very paths would only repeat it.
  for (const e of missing) removeAt(data, e.path);
  const unset = missing.map((e) => e.path.join('.'));
  const result = schema.safeParse(data);
  if (result.success) return { data: result.data, used, at: (path) => lineOf(doc, lines, path), complete: missing.length === 0 };
  for (const issue of result.error.issues) {
    const path = issue.path.map(String);
    const joined = path.join('.');
    if (unset.some((u) => joined === u || joined.startsWith(`${u}.`))) continue;
    problems.push({ file: name, line: lineOf(doc, lines, path), path: joined, message: issue.message });
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

/** The line of the deepest node that exists along `path` (a missing key points at its parent). */
function lineOf(doc: Document, lines: LineCounter, path: readonly (string | number | symbol)[]): number | null {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n) as unknown[], true);
    if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
  }
  return null;
}
