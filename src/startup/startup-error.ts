/**
 * A failure before attrql can serve that the person starting it can fix: its message is one line saying what is
 * wrong and what to do. The entry points print it without a stack and exit non-zero.
 */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}
