// A real attrql process (src/main.ts, what `npm start` runs) that also answers "timers" on its IPC channel with how
// many timers it has scheduled so far (global setTimeout and setInterval calls). Test-only: started by
// startServerProcess({ entry, ipc }), so the server itself needs no hook for it.
let scheduled = 0;
const { setTimeout: originalTimeout, setInterval: originalInterval } = globalThis;
globalThis.setTimeout = ((...args: Parameters<typeof originalTimeout>) => {
  scheduled += 1;
  return originalTimeout(...args);
}) as typeof setTimeout;
globalThis.setInterval = ((...args: Parameters<typeof originalInterval>) => {
  scheduled += 1;
  return originalInterval(...args);
}) as typeof setInterval;

process.on('message', (message) => {
  if (message === 'timers') process.send?.({ scheduled });
});

await import('../../src/main.ts');
