/**
 * /docs/assets/standalone.js (3.5 MB) against callers that never read it: every response writes the one
 * buffer read at start, the bodies being written at once are capped, and a body not taken within the
 * write timeout has its connection closed. Real sockets that stop reading; time from a stepped clock.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docsScript, DOCS_SCRIPT_PATH } from '../../src/openapi/docs.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { nonReader } from '../inbound/raw-http.js';
import { SteppedClock, until } from '../inbound/stepped-clock.js';

const WRITE_TIMEOUT_MS = 30_000;
const downloadsYaml = (max: number) => `http:\n  downloads: { maxConcurrent: ${max}, writeTimeoutMs: ${WRITE_TIMEOUT_MS} }\n`;

const clock = new SteppedClock();
let h: Harness;
let file: Buffer;
beforeAll(async () => {
  h = await startHarness({ gatewayYaml: downloadsYaml(100), clock });
  file = await readFile(createRequire(import.meta.url).resolve('@scalar/api-reference/browser/standalone.js'));
});
afterAll(async () => h?.close());

const downloads = () => h.gateway.guards.downloads;

describe(DOCS_SCRIPT_PATH, () => {
  it('callers that never read the 3.5 MB script share one buffer: no copy per response', async () => {
    expect(await docsScript()).toBe(await docsScript());
    const whole = await h.get(DOCS_SCRIPT_PATH);
    expect(Buffer.from(String(whole.body), 'utf8').equals(file)).toBe(true);
    const before = process.memoryUsage().arrayBuffers;
    // Four callers pipelining three requests each: two bodies apiece stall in the server, eight in all.
    const callers = Array.from({ length: 4 }, () => nonReader(h.url, DOCS_SCRIPT_PATH, 3));
    await until(() => downloads().active === 8, 'eight stalled bodies');
    // A copy per stalled body would be 8 × 3.5 MB here; the shared buffer adds nothing.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(file.length);
    for (const c of callers) c.socket.destroy();
    await until(() => downloads().active === 0, 'the slots freed');
  });

  it('caps the bodies being written at once (503 OVERLOADED beyond), across a reload, and closes a caller that has not taken its body within the write timeout', async () => {
    const hog = nonReader(h.url, DOCS_SCRIPT_PATH, 3);
    await until(() => downloads().active === 2, 'two stalled bodies');
    // Lower the cap to what is held: a reload changes the bound, not the count.
    await writeFile(join(h.configDir, 'gateway.yaml'), downloadsYaml(2));
    expect((await h.gateway.reload()).ok).toBe(true);
    expect(downloads().active).toBe(2);
    const refused = await h.get(DOCS_SCRIPT_PATH);
    expect(refused.status).toBe(503);
    expect(refused.headers['content-type']).toBe('application/problem+json');
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.body).toMatchObject({ code: 'OVERLOADED', requestId: refused.headers['x-request-id'] });

    // Not yet: one millisecond short of the timeout, both bodies are still being written.
    clock.advance(WRITE_TIMEOUT_MS - 1);
    await new Promise((r) => setTimeout(r, 20));
    expect(downloads().active).toBe(2);
    // Now: the server drops the connection, and the slots with it.
    clock.advance(1);
    await until(() => downloads().active === 0, 'the slots freed');
    // The caller, reading at last, finds the connection closed before its bodies were all sent.
    let received = 0;
    hog.socket.on('data', (d: Buffer) => (received += d.length));
    hog.socket.resume();
    await hog.closed;
    expect(received).toBeLessThan(3 * file.length);
    const served = await h.get(DOCS_SCRIPT_PATH);
    expect(served.status).toBe(200);
    expect(Buffer.from(String(served.body), 'utf8').length).toBe(file.length);
    await writeFile(join(h.configDir, 'gateway.yaml'), downloadsYaml(100));
    await h.gateway.reload();
  });
});
