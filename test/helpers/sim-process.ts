/**
 * A vendor simulator in a process of its own, for tests that measure the gateway's memory (a simulator in
 * the same process would put the vendor's own copy of a large body in the heap being measured).
 *
 *   node --import tsx test/helpers/sim-process.ts <simulator> <count> <seed> '<credentials JSON>'
 *
 * Prints one JSON line {"url": …} once it listens; exits when its stdin closes.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { simulators } from '../../sim/index.js';
import { startSimulator, type SimCredentials } from '../../sim/kit.js';
import { ROOT } from './harness.js';

/** Starts one in a child process: its URL, and a way to stop it. */
export async function simulatorProcess(simulator: string, count: number, seed: number, creds: SimCredentials): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/sim-process.ts', simulator, String(count), String(seed), JSON.stringify(creds)], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (l) => resolve((JSON.parse(l) as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`simulator process exited ${code}`)));
  });
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.stdin!.end();
      }),
  };
}

const [, script, name, count, seed, creds] = process.argv;
if (script?.endsWith('sim-process.ts') && name) {
  const mod = simulators[name];
  if (!mod) throw new Error(`no simulator ${name}`);
  const sim = await startSimulator(mod.behaviour(JSON.parse(creds ?? '{"query":{}}') as SimCredentials), { data: mod.demoData(Number(seed), Number(count)) });
  process.stdout.write(`${JSON.stringify({ url: sim.url })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => void sim.close().then(() => process.exit(0)));
}
