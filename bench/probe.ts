/**
 * Preloaded (`--import`) into each system under test: answers the bench's IPC "memory" message with
 * process.memoryUsage(), so heap can be read from outside without touching the system's code.
 */
process.on('message', (m) => {
  if (m === 'memory') process.send?.({ memory: process.memoryUsage() });
});
process.channel?.unref();
