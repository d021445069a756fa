/** Temp copies of the shipped config folder with some files edited, for CLI tests. */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/harness.js';

const made: string[] = [];

/** A copy of config/ where each named file (relative to it) is replaced by `edit(its text, or '')`. */
export async function configCopy(edits: Record<string, (text: string) => string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sb-cli-config-'));
  made.push(dir);
  await cp(join(ROOT, 'config'), dir, { recursive: true });
  for (const [file, edit] of Object.entries(edits)) {
    const text = await readFile(join(dir, file), 'utf8').catch(() => '');
    await writeFile(join(dir, file), edit(text));
  }
  return dir;
}

export async function removeConfigCopies(): Promise<void> {
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}
