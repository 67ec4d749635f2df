// A real attrql process (src/main.ts, what `npm start` runs) that also answers "heap" on its IPC channel with its
// heap after a full garbage collection. Test-only: started with --expose-gc by startServerProcess({ entry, ipc }),
// so the server itself needs no endpoint or hook for it.
const collect = (globalThis as { gc?: () => void }).gc;
if (!collect) throw new Error('heap-probe needs node --expose-gc');

process.on('message', (message) => {
  if (message !== 'heap') return;
  // Twice: objects with finalizers (weak references, FinalizationRegistry) go on the second pass.
  collect();
  collect();
  process.send?.({ heapUsed: process.memoryUsage().heapUsed });
});

await import('../../src/main.ts');
