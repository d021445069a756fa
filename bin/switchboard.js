#!/usr/bin/env node
// The switchboard CLI (src/cli/main.ts). Runs the compiled CLI when there is one and no source is newer
// than the build (a production image has no sources); otherwise the TypeScript through tsx, so in a dev
// checkout a stale dist/ never answers for code changed since the last build.
import { existsSync, readdirSync, statSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const built = new URL('dist/src/cli/main.js', root);
const source = new URL('src/cli/main.ts', root);

/** Newest modification time of the files with this extension under these folders (0 when none). */
function newest(dirs, ext) {
  let time = 0;
  for (const dir of dirs) {
    const url = new URL(`${dir}/`, root);
    if (!existsSync(url)) continue;
    for (const entry of readdirSync(url, { recursive: true, withFileTypes: true })) {
      if (entry.isFile() && entry.name.endsWith(ext)) time = Math.max(time, statSync(`${entry.parentPath ?? entry.path}/${entry.name}`).mtimeMs);
    }
  }
  return time;
}

const useBuilt = existsSync(built) && (!existsSync(source) || newest(['dist/src', 'dist/sim'], '.js') >= newest(['src', 'sim'], '.ts'));
if (useBuilt) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
}
