/**
 * Preloaded (`--import`) into each system under test: answers the bench's IPC "memory" message with
 * process.memoryUsage() and "cpu" with process.cpuUsage(), so heap and CPU time (µs, user + system) can be
 * read from outside without touching the system's code.
 */
process.on('message', (m) => {
  if (m === 'memory') process.send?.({ memory: process.memoryUsage() });
  if (m === 'cpu') process.send?.({ cpu: process.cpuUsage() });
});
process.channel?.unref();
