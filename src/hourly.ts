/**
 * Runs `task` within `firstWithinMs` of now (after at least `firstAfterMs`), then hourly at a random minute, so
 * instances sharing a database spread out; until the returned stop. The timers keep no process alive.
 */
export function runHourly(task: () => void, firstAfterMs: number, firstWithinMs: number): () => void {
  const first = setTimeout(task, firstAfterMs + Math.random() * (firstWithinMs - firstAfterMs));
  const every = setInterval(task, 3_600_000 + Math.random() * 60_000);
  first.unref();
  every.unref();
  return () => {
    clearTimeout(first);
    clearInterval(every);
  };
}
