import { startupLine } from '../log.ts';
import { describeStartupError } from './describe-error.ts';

/**
 * Runs an entry point (the server, a CLI); a failure becomes one line on stderr, `<program>: <what to do>`, and
 * exit code 1. The stack is printed only for failures nobody anticipated, where it helps whoever reports them.
 */
export async function runOrExit(program: string, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    const { line, known } = describeStartupError(error, process.env.DATABASE_URL);
    const stack = !known && error instanceof Error ? error.stack : undefined;
    process.stderr.write(startupLine(program, line, stack));
    process.exit(1);
  }
}
