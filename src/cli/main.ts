/** `switchboard …`: the CLI's entry point (bin/switchboard.js runs it). The one CLI file with side effects. */
import { runCli } from './run.js';

try {
  const code = await runCli(process.argv.slice(2), { out: (l) => console.log(l), err: (l) => console.error(l) }, process.env);
  if (code !== 'serving') process.exitCode = code;
} catch (e) {
  console.error(`switchboard: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exitCode = 1;
}
