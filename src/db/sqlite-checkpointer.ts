import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { log } from '../log.ts';

/**
 * WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside whichever COMMIT crosses 1,000 WAL
 * pages: that COMMIT copies the pages into the database file and waits for two fsyncs, while every request of the
 * process waits with it (p99 of a merge 4 ms instead of 0.3 ms, and seconds when the disk is busy). Here a worker
 * thread with a connection of its own runs PASSIVE checkpoints, which wait for no reader or writer, every
 * `everyMs`; the serving connection's automatic checkpoint only stays as a backstop, at `backstopPages`.
 */
export const checkpointEveryMs = 100;
export const backstopPages = 10_000;

// Runs in the worker: CommonJS, given the driver's resolved path (the shim that picks the build for this Node).
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
let db = null;
try {
  db = new Database(workerData.path, { fileMustExist: true });
} catch (error) {
  parentPort.postMessage({ failed: error.message });
}
let reported = false;
const timer = db && setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    reported = false;
  } catch (error) {
    // Busy: another checkpoint is running. Anything else (a file turned read-only) is reported once.
    if (!String(error.code).startsWith('SQLITE_BUSY') && !reported) parentPort.postMessage({ failed: error.message });
    reported = true;
  }
}, workerData.everyMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db?.close();
  parentPort.close();
});
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

/** Starts checkpointing the SQLite file at `path` in a worker thread; `stop` ends it (at close). */
export function startCheckpointer(path: string): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(workerSource, { eval: true, workerData: { path, driver, everyMs: checkpointEveryMs } });
  worker.unref(); // never what keeps the process alive
  worker.on('message', (message: { failed?: string }) => {
    if (message.failed)
      log(`background WAL checkpoint failed; commits checkpoint at the ${backstopPages}-page backstop`, {
        error: message.failed,
      });
  });
  worker.on('error', (error) => log('background WAL checkpoint stopped', { error: error.message }));
  let stopping = false;
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', (code) => {
      // Commits then checkpoint at the backstop; the process goes on.
      if (!stopping) log('background WAL checkpoint worker ended', { code });
      resolve();
    }),
  );
  return {
    async stop() {
      stopping = true;
      worker.postMessage('stop');
      // A worker that does not end at once (stuck in a checkpoint's fsync) is ended.
      const timeout = setTimeout(() => void worker.terminate(), 1_000);
      await exited;
      clearTimeout(timeout);
    },
  };
}
