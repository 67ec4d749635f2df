// Scenario 9's idle subscribers (issue 23) as a process of their own on the load generator's core, so the 5,000
// connections, their keep-alive comments and their memory weigh on their own event loop and heap, not on the load
// generator's (5,000 subscribers are other clients, not the merging one). Started by load-worker.ts with an IPC
// channel: `node --import tsx bench/idle-subscribers.ts <url> <count> <keys.json>` sends {open: n} once they are all
// open (or {error}); on "close" it closes them, sends {ended} (those that ended before) and exits.
import { readFileSync } from 'node:fs';
import { openIdleSubscriptions } from './live.ts';

const [url, count, keysFile] = process.argv.slice(2) as [string, string, string];
const keys = JSON.parse(readFileSync(keysFile, 'utf8')) as string[];
try {
  const idle = await openIdleSubscriptions(url, keys, Number(count));
  process.on('message', (message) => {
    if (message !== 'close') return;
    const ended = idle.ended();
    idle.close();
    process.send?.({ ended }, () => process.exit(0));
  });
  process.send?.({ open: Number(count) });
} catch (error) {
  process.send?.({ error: String(error) }, () => process.exit(1));
}
