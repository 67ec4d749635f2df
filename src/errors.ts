/** The error codes of the contract (CONTRACT.md §3), carried as `extensions.code`. */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'PRECONDITION_FAILED'
  | 'PAYLOAD_TOO_LARGE'
  | 'RATE_LIMITED'
  | 'SERVICE_UNAVAILABLE'
  | 'INTERNAL_SERVER_ERROR';

/** One offending input: `path` is rooted at the argument, e.g. ["input", "attributes", "nickname"]. */
export interface InputIssue {
  path: string[];
  message: string;
}

/** An expected failure: its message and code reach the client as they are. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const badInput = (issues: InputIssue[], message?: string) =>
  new AppError(
    'BAD_USER_INPUT',
    message ?? issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '),
    { issues },
  );
export const badInputAt = (path: string[], message: string) => badInput([{ path, message }]);
export const unauthenticated = (message = 'A valid credential is required.') =>
  new AppError('UNAUTHENTICATED', message);
export const forbidden = (message = 'Not allowed.') => new AppError('FORBIDDEN', message);
export const notFound = (what: string) => new AppError('NOT_FOUND', `${what} not found.`);
export const conflict = (message: string) => new AppError('CONFLICT', message);
export const preconditionFailed = (message = 'The eTag does not match the current version.') =>
  new AppError('PRECONDITION_FAILED', message);
export const serviceUnavailable = (message = 'The database is unavailable; nothing was changed. Retry later.') =>
  new AppError('SERVICE_UNAVAILABLE', message);
export const rateLimited = (retryAfterSeconds: number) =>
  new AppError('RATE_LIMITED', `Rate limit exceeded; retry in ${retryAfterSeconds} s.`, { retryAfterSeconds });
