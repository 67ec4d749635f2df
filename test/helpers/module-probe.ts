// A real attrql process (src/main.ts, what `npm start` runs) that also answers "modules" on its IPC channel with
// every module it loaded so far: the URLs its imports resolved to (through a resolve hook on Node's loader thread)
// and the files in require's cache. Test-only, started by startServerProcess({ entry, ipc }).
import { createRequire, register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';

const resolved = new Set<string>();
const { port1, port2 } = new MessageChannel();
port1.on('message', (url: string) => resolved.add(url));
port1.unref();
register('./module-probe-hooks.mjs', import.meta.url, { data: { port: port2 }, transferList: [port2] });

const require = createRequire(import.meta.url);
process.on('message', (message) => {
  if (message !== 'modules') return;
  // Messages from the loader thread posted before this one are delivered first (a macrotask later).
  setImmediate(() => process.send?.({ modules: [...resolved, ...Object.keys(require.cache)] }));
});

await import('../../src/main.ts');
