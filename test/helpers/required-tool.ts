/**
 * Some tests need a tool that a developer machine may lack (Chromium, PostgreSQL's server binaries). Without it
 * they are skipped with the reason printed; under CI (`CI` set, as `.ci/run` does) a missing tool is a failure
 * instead, so CI always runs them.
 */
export function requireTool<T>(what: string, find: () => T | undefined): T | undefined {
  const found = find();
  if (found !== undefined) return found;
  const reason = `${what} not found`;
  if (process.env.CI) throw new Error(`${reason}; CI must run every test`);
  console.warn(`skipping: ${reason}`);
  return undefined;
}
