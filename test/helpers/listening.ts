/** A gateway started as a child process: the port it logs once it listens, and everything it has printed. */
import type { ChildProcess } from 'node:child_process';

export interface Listening {
  /** Resolves with the port from the "switchboard listening" log line; rejects if the process exits first. */
  port: Promise<number>;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  /** stdout and stderr so far. */
  output(): string;
}

export function listening(child: ChildProcess): Listening {
  let out = '';
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const port = new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /"port":(\d+).*switchboard listening/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    void exited.then((code) => reject(new Error(`exited ${code} before listening:\n${out}`)));
  });
  return { port, exited, output: () => out };
}
