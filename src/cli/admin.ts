// The admin CLI: npm run --silent admin -- <command> [--flag value]
// Prints exactly one JSON line on stdout; logs and errors go to stderr; exit code 0 only on success.
import { parseArgs } from 'node:util';
import { runOrExit } from '../startup/run-or-exit.ts';

const usage = `usage: npm run --silent admin -- <command>
  create-org --name <name>        create an organization and its first API key
  create-api-key --org <orgId>    issue another API key for an organization
  revoke-api-key --key <apiKey>   revoke an API key at once`;

/** Each command's one required flag. */
const flags: Record<string, string> = { 'create-org': 'name', 'create-api-key': 'org', 'revoke-api-key': 'key' };

function fail(message: string, code = 1): never {
  process.stderr.write(`attrql admin: ${message}\n`);
  process.exit(code);
}

const [commandName, ...rest] = process.argv.slice(2);
const flag = commandName ? flags[commandName] : undefined;
if (!commandName || !flag) fail(commandName ? `unknown command "${commandName}"\n${usage}` : usage, 2);

let value: string | undefined;
try {
  const { values } = parseArgs({ args: rest, options: { [flag]: { type: 'string' } }, strict: true });
  value = values[flag] as string | undefined;
} catch (error) {
  fail(`${(error as Error).message}\n${usage}`, 2);
}
if (!value) fail(`--${flag} is required\n${usage}`, 2);

// The database modules load only now, inside runOrExit: a bad DATABASE_URL or an unreachable database ends as
// one line on stderr, like the server's.
await runOrExit('attrql admin', async () => {
  const { runAdminCommand } = await import('./admin-commands.ts');
  const { AppError } = await import('../errors.ts');
  try {
    process.stdout.write(`${JSON.stringify(await runAdminCommand(commandName, value))}\n`);
  } catch (error) {
    if (error instanceof AppError) fail(error.message);
    throw error;
  }
  process.exit(0);
});
