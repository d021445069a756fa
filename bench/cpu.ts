/**
 * CPU per request: a system's own process CPU time (user + system, process.cpuUsage() read over IPC, µs)
 * across N sequential requests, ÷ N. Sequential, so the figure is the fixed cost of one request and not of
 * queueing; the vendors run in the bench process, so none of their work counts. A warm-up first (JIT,
 * keep-alive sockets, the simulators' memo).
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

export async function cpuPerRequest(sys: System, path: string, requests: number, warmup = 30): Promise<CpuRow> {
  const agent = new Agent({ connections: 1 });
  const once = async () => {
    const res = await request(sys.url + path, { dispatcher: agent });
    await res.body.dump();
    if (res.statusCode !== 200) throw new Error(`${sys.name} ${path}: answered ${res.statusCode}`);
  };
  try {
    for (let i = 0; i < warmup; i++) await once();
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
