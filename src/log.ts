/** One-line structured logs on stderr: stdout belongs to command output (the admin CLI prints JSON there). */
export function log(message: string, fields: Record<string, unknown> = {}): void {
  if (process.env.ATTRQL_LOG === 'silent') return;
  const extra = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  process.stderr.write(`${new Date().toISOString()} attrql: ${message}${extra ? ` ${extra}` : ''}\n`);
}
