// The attrql process (`npm start`). Everything is loaded inside runOrExit, so that even a bad DATABASE_URL,
// found while the database module loads, ends as one line on stderr and a non-zero exit instead of a stack.
import { runOrExit } from './startup/run-or-exit.ts';

await runOrExit('attrql', async () => {
  const { serve } = await import('./serve.ts');
  await serve();
});
