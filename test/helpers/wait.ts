/** Polling for what a test waits on (a call reaching a simulator, a sync finishing), bounded in time. */

/**
 * Whether `ok` came true within `ms`, asked every `everyMs`; the caller asserts on the answer. Each asking of
 * a gateway over HTTP counts against its per-address limit (bursts of 60), so a long wait on one asks less often.
 */
export async function eventually(ok: () => boolean | Promise<boolean>, ms: number, everyMs = 20): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    // Asked once per round: what it answered decides (a second asking could see something else).
    if (await ok()) return true;
    if (Date.now() >= end) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Waits until `ok`, or throws naming `what` after `ms`. */
export async function waitFor(what: string, ok: () => boolean | Promise<boolean>, ms: number, everyMs = 20): Promise<void> {
  if (!(await eventually(ok, ms, everyMs))) throw new Error(`timed out waiting for ${what}`);
}
