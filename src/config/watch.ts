/**
 * CONFIG_WATCH: calls `onChange` once a burst of changes to the config folder has settled.
 *
 * Editors and tools rarely write a file in place: `sed -i`, vim and most IDEs write a temp file and rename
 * it over the original, `mv` does the same, and Kubernetes swaps a ConfigMap volume's `..data` symlink. A
 * plain fs.watch on the files loses each one at its first replacement (the watch follows the old inode), so
 * we watch the folder with chokidar, which re-attaches after a rename, and debounce, because one save is
 * several events (write the temp file, rename it, touch the folder).
 */
import { watch } from 'chokidar';

export interface ConfigWatcher {
  /** Resolves once the folder is being watched (changes before that may be missed). */
  ready: Promise<void>;
  close(): Promise<void>;
}

export interface WatchOptions {
  /** Quiet time after the last event before `onChange` runs (ms). */
  debounceMs?: number;
  onError?: (e: unknown) => void;
}

/** Only YAML files matter; an editor's swap or backup file next to them is no reason to reload. */
const irrelevant = (path: string, stats?: { isFile(): boolean }) => stats?.isFile() === true && !/\.ya?ml$/i.test(path);

export function watchConfig(dir: string, onChange: () => void, opts: WatchOptions = {}): ConfigWatcher {
  const debounceMs = opts.debounceMs ?? 250;
  let timer: NodeJS.Timeout | undefined;
  const watcher = watch(dir, { ignoreInitial: true, ignored: irrelevant, followSymlinks: true });
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  watcher.on('all', () => {
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
  });
  watcher.on('error', (e) => opts.onError?.(e));
  return {
    ready,
    async close() {
      clearTimeout(timer);
      await watcher.close();
    },
  };
}
