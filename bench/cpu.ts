/**
 * CPU per request: a system's own process CPU time (user + system, process.cpuUsage() read over IPC, µs)
 * across N sequential requests, ÷ N. Sequential, so the figure is the fixed cost of one request and not of
 * queueing; the vendors run in the bench process, so none of their work counts.
 *
 * A warm-up first, long enough to reach the steady state: `warmup` requests over `warmupConnections` at once
 * (the JIT counts calls, not time), then 30 sequential ones on the measuring connection (keep-alive socket,
 * the simulators' memo). With 30 warm-up requests alone, the 300 measured ones still carried the optimizing
 * compiler's work (its threads count in the process's CPU time): about a third of the gateway's figure, and
 * less of the much smaller proxy's, so the ratio read high. A server's per-request cost is its steady state.
 */
import { Agent, request } from 'undici';
import { round } from './measure.js';
import type { System } from './systems.js';

export interface CpuRow {
  system: string;
  path: string;
  requests: number;
  cpuMsPerRequest: number;
  /** Wall time of one request, mean over the run (for reading the CPU figure against). */
  meanMs: number;
}

export interface Warmup {
  requests: number;
  connections: number;
}

export const STEADY_WARMUP: Warmup = { requests: 2_000, connections: 8 };

export async function cpuPerRequest(sys: System, path: string, requests: number, warmup: Warmup = STEADY_WARMUP): Promise<CpuRow> {
  const agent = new Agent({ connections: 1 });
  const once = async (dispatcher: Agent = agent) => {
    const res = await request(sys.url + path, { dispatcher });
    await res.body.dump();
    if (res.statusCode !== 200) throw new Error(`${sys.name} ${path}: answered ${res.statusCode}`);
  };
  try {
    if (warmup.requests > 0) {
      const wide = new Agent({ connections: warmup.connections });
      let left = warmup.requests;
      const lane = async () => {
        while (left-- > 0) await once(wide);
      };
      await Promise.all(Array.from({ length: warmup.connections }, lane)).finally(() => wide.close());
    }
    for (let i = 0; i < 30; i++) await once();
    const before = await sys.cpu();
    const t = performance.now();
    for (let i = 0; i < requests; i++) await once();
    const ms = performance.now() - t;
    const after = await sys.cpu();
    const cpuUs = after.user + after.system - (before.user + before.system);
    return { system: sys.name, path, requests, cpuMsPerRequest: round(cpuUs / 1000 / requests, 3), meanMs: round(ms / requests, 2) };
  } finally {
    await agent.close();
  }
}
