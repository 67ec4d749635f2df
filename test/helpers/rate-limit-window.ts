const windowMs = 60_000;

/**
 * The rate limit counts in fixed 60 s windows that restart at every full minute: a test that expects a 429 after
 * N requests starts only when it can finish inside the current window (else the count restarts midway).
 */
export async function awayFromWindowEdge(needMs: number): Promise<void> {
  const left = windowMs - (Date.now() % windowMs);
  if (left < needMs) await new Promise((resolve) => setTimeout(resolve, left + 50));
}
