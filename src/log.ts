export type LogLevel = 'info' | 'warn' | 'error';

/** ATTRQL_LOG_FORMAT=json: one JSON object a line, for log shippers; anything else: the text a person reads. */
const json = process.env.ATTRQL_LOG_FORMAT === 'json';

/**
 * One-line structured logs on stderr: stdout belongs to command output (the admin CLI prints JSON there).
 * Text: `<time> attrql: <message> key=value …`; JSON: `{"time","level","msg",…fields}`.
 */
export function log(message: string, fields: Record<string, unknown> = {}, level: LogLevel = 'info'): void {
  if (process.env.ATTRQL_LOG === 'silent') return;
  process.stderr.write(json ? jsonLine(message, fields, level) : textLine(message, fields));
}

function textLine(message: string, fields: Record<string, unknown>): string {
  const extra = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  return `${new Date().toISOString()} attrql: ${message}${extra ? ` ${extra}` : ''}\n`;
}

/** JSON.stringify escapes line breaks inside strings (stacks), so the object stays on one line. */
function jsonLine(message: string, fields: Record<string, unknown>, level: LogLevel): string {
  return `${JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...fields })}\n`;
}

/** A line written before the logger is of use (a failed start): JSON too when the format asks for it. */
export function startupLine(program: string, message: string, stack?: string): string {
  if (!json) return `${program}: ${message}\n${stack ? `${stack}\n` : ''}`;
  return jsonLine(message, { program, ...(stack ? { stack } : {}) }, 'error');
}
