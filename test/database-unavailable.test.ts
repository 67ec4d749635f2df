import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from '../src/db/errors.ts';

// What the fault suite (test/fault-*.test.ts) saw the drivers report when the database went away, and what it must
// not mistake for that. Each is SERVICE_UNAVAILABLE ("retry later"), never INTERNAL_SERVER_ERROR.
const fault = (message: string, fields: Record<string, unknown> = {}) => Object.assign(new Error(message), fields);

describe('isDatabaseUnavailable', () => {
  it.each([
    ['a lost connection', fault('Connection terminated unexpectedly')],
    [
      'a client used after its connection was lost',
      fault('Client has encountered a connection error and is not queryable'),
    ],
    ['an admin shutdown (57P01)', fault('terminating connection due to administrator command', { code: '57P01' })],
    [
      'a crash shutdown (57P02)',
      fault('terminating connection because of crash of another server process', { code: '57P02' }),
    ],
    ['recovery after a crash (57P03)', fault('the database system is in recovery mode', { code: '57P03' })],
    ['a server still starting', fault('the database system is not yet accepting connections', { code: '57P03' })],
    ['nothing listening', fault('connect ECONNREFUSED 127.0.0.1:5499', { code: 'ECONNREFUSED' })],
    ['the driver read timeout', fault('Query read timeout')],
    ['the pool connect timeout', fault('timeout exceeded when trying to connect')],
    ['too many connections (53300)', fault('sorry, too many clients already', { code: '53300' })],
    ['SQLite disk full', fault('database or disk is full', { code: 'SQLITE_FULL' })],
    ['SQLite I/O error', fault('disk I/O error', { code: 'SQLITE_IOERR_WRITE' })],
    ['wrapped by Prisma', fault('Invalid invocation', { cause: fault('Connection terminated unexpectedly') })],
  ])('%s', (_what, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', fault('duplicate key value violates unique constraint', { code: '23505' })],
    ['a syntax error', fault('syntax error at or near "x"', { code: '42601' })],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
  ])('not %s', (_what, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});
