/** Classifies database failures, whichever layer (driver, adapter, Prisma) reports them. */

const unavailableCodes = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028']);
const unavailableKinds = new Set([
  'DatabaseNotReachable',
  'DatabaseDoesNotExist',
  'SocketTimeout',
  'ConnectionClosed',
  'TooManyConnections',
  'TransactionWriteConflict',
  'TlsConnectionError',
  'AuthenticationFailed',
]);
const unavailableMessage =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|EPIPE|Connection terminated|connection timeout|timeout exceeded|Query read timeout|is not queryable|SQLITE_BUSY|database is locked|canceling statement due to statement timeout|the database system is (shutting down|starting up|in recovery mode|not yet accepting connections)|terminating connection|Can't reach database|Unable to start a transaction|SQLITE_READONLY|attempt to write a readonly database|SQLITE_CANTOPEN|SQLITE_FULL|SQLITE_IOERR|database or disk is full|disk I\/O error/i;
/**
 * PostgreSQL's SQLSTATEs for a server that went away or cannot serve yet: connection exceptions (08…), admin or
 * crash shutdown and "cannot connect now" (57P01–57P03), too many connections (53300), out of disk (53100).
 */
const unavailableStates = /^(08...|57P0[1-3]|53300|53100)$/;

function* causes(error: unknown): Generator<Record<string, unknown>> {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current && typeof current === 'object'; depth += 1) {
    const record = current as Record<string, unknown>;
    yield record;
    const meta = record.meta as Record<string, unknown> | undefined;
    current = record.cause ?? meta?.driverAdapterError ?? record.originalError;
  }
}

/** The database could not be reached or did not answer in time: the request may be retried. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (const cause of causes(error)) {
    if (typeof cause.code === 'string' && unavailableCodes.has(cause.code)) return true;
    if (typeof cause.kind === 'string' && unavailableKinds.has(cause.kind)) return true;
    if (cause.kind === 'postgres' && cause.code === '57014') return true; // statement timeout
    if (typeof cause.code === 'string' && unavailableStates.test(cause.code)) return true;
    if (typeof cause.message === 'string' && unavailableMessage.test(cause.message)) return true;
    if (typeof cause.originalMessage === 'string' && unavailableMessage.test(cause.originalMessage)) return true;
  }
  return false;
}

/** A unique constraint was violated (P2002 or the adapter's UniqueConstraintViolation). */
export function isUniqueViolation(error: unknown): boolean {
  for (const cause of causes(error)) {
    if (cause.code === 'P2002' || cause.kind === 'UniqueConstraintViolation') return true;
    // The drivers' own codes, from the fast path (sql/): PostgreSQL unique_violation, SQLite's constraint codes.
    if (
      cause.code === '23505' ||
      cause.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
      cause.code === 'SQLITE_CONSTRAINT_UNIQUE'
    )
      return true;
  }
  return false;
}

/** A row the write depends on is gone (P2025), or a foreign key points nowhere (P2003). */
export function isMissingRow(error: unknown): boolean {
  for (const cause of causes(error)) {
    if (cause.code === 'P2025' || cause.code === 'P2003' || cause.kind === 'ForeignKeyConstraintViolation') return true;
    if (cause.code === '23503' || cause.code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return true;
  }
  return false;
}

/** PostgreSQL gave up on the transaction so another could go on (deadlock 40P01, serialization 40001): retry it. */
export function isRetryableConflict(error: unknown): boolean {
  for (const cause of causes(error)) {
    if (cause.code === '40P01' || cause.code === '40001' || cause.code === 'P2034') return true;
    if (cause.kind === 'TransactionWriteConflict') return true;
  }
  return false;
}
