/**
 * `extends:` in vendor YAML: a second account of a vendor (another workspace, another region) is a few
 * lines over the first one's file, not a copy of it that drifts.
 *
 * Rules (README "A second account of a vendor"):
 * - `extends` names another vendor file, relative to the extending file, directly in the same vendors
 *   folder: every base is itself a vendor the loader checks (one not to serve says `enabled: false`).
 * - Mappings merge key by key, at every depth; a list or a scalar replaces the inherited one whole; `key:
 *   null` removes an inherited key (a key the base doesn't have keeps the null as written).
 * - A base may extend another, up to MAX_EXTENDS_DEPTH files deep; a cycle, a missing file or a path out
 *   of the folder is a problem on the `extends` line.
 * - The merge works on the trees as written, before `${VAR}` interpolation, so a value an instance
 *   overrides never needs the base's variable, and each value is traced to the file and line it came from.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, relative, resolve } from 'node:path';
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import type { ConfigProblem } from './load.js';

/** The hover text of `extends` in config/vendor.schema.json. */
export const EXTENDS_DESCRIPTION =
  'Another vendor file this one builds on (relative to this file, beside it in the vendors folder): a second account of the same vendor. Mappings merge key by key, lists and scalars replace, key: null removes an inherited key; ${VAR} references are resolved after the merge. Give the instance its own name (the file name), base URL and credentials.';

/** Most files in one chain (the vendor's own file included): deeper is a config no one can follow. */
export const MAX_EXTENDS_DEPTH = 8;

/** One file as written: its parsed document (for lines) and its plain tree. */
export interface Layer {
  /** As problems name it: relative to the config folder. */
  file: string;
  doc: Document;
  lines: LineCounter;
  tree: unknown;
}

/** A document made of one or more layers, merged; `origin` says where a path's value was written. */
export interface Source {
  /** Merged and without `extends`, not yet interpolated. */
  tree: unknown;
  /** The file and line of the deepest node along `path` that the merged tree holds (a missing key: its parent). */
  origin(path: readonly (string | number)[]): { file: string; line: number | null };
}

/** Reads and parses a file once per load; YAML syntax problems are recorded once, however many files extend it. */
export class LayerReader {
  private readonly layers = new Map<string, Promise<Layer | undefined | null>>();

  constructor(
    readonly root: string,
    readonly problems: ConfigProblem[],
  ) {}

  /** undefined: the file doesn't parse (its problems are recorded); null: there is no such file. */
  read(file: string): Promise<Layer | undefined | null> {
    let layer = this.layers.get(file);
    if (!layer) this.layers.set(file, (layer = this.parse(file)));
    return layer;
  }

  private async parse(file: string): Promise<Layer | undefined | null> {
    const text = await readFile(file, 'utf8').catch(() => null);
    if (text === null) return null;
    const name = relative(this.root, file) || file;
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        this.problems.push({ file: name, line: lines.linePos(e.pos[0]).line, path: '', message: `YAML syntax: ${e.message.split('\n')[0]}` });
      }
      return undefined;
    }
    return { file: name, doc, lines, tree: doc.toJS() ?? {} };
  }
}

/** One layer as a source: gateway.yaml, or a vendor file that extends nothing. */
export function singleSource(layer: Layer): Source {
  return sourceOf([layer], layer.tree);
}

/**
 * The vendor file at `file` with everything it extends merged under it. Records each problem of the chain
 * (on the `extends` line that causes it) and returns undefined then.
 */
export async function resolveVendor(file: string, vendorDir: string, reader: LayerReader): Promise<Source | undefined> {
  const chain: Layer[] = [];
  const paths: string[] = [];
  let at = file;
  for (;;) {
    const layer = await reader.read(at);
    if (!layer) return undefined;
    chain.push(layer);
    paths.push(at);
    const target = extendsOf(layer, at, vendorDir, paths, reader, chain[0]!);
    if (target === undefined) break;
    if (target === null) return undefined;
    const base = await reader.read(target);
    if (!base) {
      const name = relative(reader.root, target);
      problem(reader, layer, base === null ? `no such vendor file: ${name}` : `${name} doesn't parse (its own problems say why)`);
      return undefined;
    }
    at = target;
  }
  let tree: unknown = withoutExtends(chain[chain.length - 1]!.tree);
  for (let i = chain.length - 2; i >= 0; i--) tree = merge(tree, withoutExtends(chain[i]!.tree));
  return sourceOf(chain, tree);
}

/** The file a layer extends: undefined when none, null when `extends` itself is a problem (recorded). */
function extendsOf(layer: Layer, file: string, vendorDir: string, seen: readonly string[], reader: LayerReader, vendor: Layer): string | null | undefined {
  const tree = layer.tree;
  if (!isMapping(tree) || !('extends' in tree)) return undefined;
  const ref = tree.extends;
  if (typeof ref !== 'string' || !/\.ya?ml$/.test(ref)) {
    problem(reader, layer, 'must name another vendor file of this folder, as <name>.yaml');
    return null;
  }
  const target = resolve(dirname(file), ref);
  // A direct neighbour only: every base is then itself a vendor file the loader reads and checks.
  if (dirname(target) !== resolve(vendorDir)) {
    problem(reader, layer, `"${ref}" is not a file of the vendors folder: a base must sit beside the vendor files (extends: ${basename(ref)})`);
    return null;
  }
  if (seen.includes(target)) {
    // Said from this file, which closes the loop: every file of a cycle then says it once, on its own line.
    const cycle = seen.slice(seen.indexOf(target)).map((p) => basename(p));
    const last = cycle[cycle.length - 1]!;
    problem(reader, layer, `makes a cycle: ${[last, ...cycle.slice(0, -1), last].join(' → ')}`);
    return null;
  }
  // Said of the vendor whose chain it is: each file of it may be fine where a shorter chain uses it.
  if (seen.length >= MAX_EXTENDS_DEPTH) {
    problem(reader, vendor, `the chain ${seen.map((p) => basename(p)).join(' → ')} → ${basename(target)} is deeper than ${MAX_EXTENDS_DEPTH} files`);
    return null;
  }
  return target;
}

function problem(reader: LayerReader, layer: Layer, message: string): void {
  const node = layer.doc.get('extends', true);
  const line = isNode(node) && node.range ? layer.lines.linePos(node.range[0]).line : null;
  // Every vendor whose chain meets this file finds the same problem: it is said once.
  if (reader.problems.some((p) => p.file === layer.file && p.line === line && p.path === 'extends' && p.message === message)) return;
  reader.problems.push({ file: layer.file, line, path: 'extends', message });
}

/** `over` on top of `base`: mappings merge, anything else replaces, null removes an inherited key. */
export function merge(base: unknown, over: unknown): unknown {
  if (!isMapping(base) || !isMapping(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === null && k in base) delete out[k];
    else out[k] = k in base ? merge(base[k], v) : v;
  }
  return out;
}

const isMapping = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function withoutExtends(tree: unknown): unknown {
  if (!isMapping(tree) || !('extends' in tree)) return tree;
  const { extends: _, ...rest } = tree;
  return rest;
}

function holds(tree: unknown, path: readonly (string | number)[]): boolean {
  let node = tree;
  for (const key of path) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return false;
    node = (node as Record<string | number, unknown>)[key];
  }
  return true;
}

function sourceOf(chain: readonly Layer[], tree: unknown): Source {
  return {
    tree,
    origin(path) {
      for (let n = path.length; n >= 0; n--) {
        const prefix = path.slice(0, n);
        if (!holds(tree, prefix)) continue;
        // The most derived file that writes this path is the one whose value the merge kept.
        for (const layer of chain) {
          const node = prefix.length === 0 ? layer.doc.contents : layer.doc.getIn(prefix as unknown[], true);
          if (isNode(node) && node.range) return { file: layer.file, line: layer.lines.linePos(node.range[0]).line };
        }
      }
      return { file: chain[0]!.file, line: null };
    },
  };
}
