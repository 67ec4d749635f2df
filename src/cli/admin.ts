// The admin CLI: npm run --silent admin -- <command> [--flag value]
// Prints exactly one JSON line on stdout; logs and errors go to stderr; exit code 0 only on success.
import { parseArgs } from 'node:util';
import { dbConfig } from '../db/client.ts';
import { migrate } from '../db/migrate.ts';
import { createApiKey, createOrganization, revokeApiKey } from '../domain/organizations.ts';
import { AppError } from '../errors.ts';
import { log } from '../log.ts';

const usage = `usage: npm run --silent admin -- <command>
  create-org --name <name>        create an organization and its first API key
  create-api-key --org <orgId>    issue another API key for an organization
  revoke-api-key --key <apiKey>   revoke an API key at once`;

const commands: Record<string, { flag: string; run: (value: string) => Promise<unknown> }> = {
  'create-org': { flag: 'name', run: (name) => createOrganization(name) },
  'create-api-key': { flag: 'org', run: (orgId) => createApiKey(orgId) },
  'revoke-api-key': {
    flag: 'key',
    run: async (key) => {
      await revokeApiKey(key);
      return { revoked: true };
    },
  },
};

function fail(message: string, code = 1): never {
  process.stderr.write(`attrql admin: ${message}\n`);
  process.exit(code);
}

const [commandName, ...rest] = process.argv.slice(2);
const command = commandName ? commands[commandName] : undefined;
if (!command) fail(commandName ? `unknown command "${commandName}"\n${usage}` : usage, 2);

let value: string | undefined;
try {
  const { values } = parseArgs({ args: rest, options: { [command.flag]: { type: 'string' } }, strict: true });
  value = values[command.flag] as string | undefined;
} catch (error) {
  fail(`${(error as Error).message}\n${usage}`, 2);
}
if (!value) fail(`--${command.flag} is required\n${usage}`, 2);

try {
  await migrate(dbConfig, { log: (line) => log(line) });
  const result = await command.run(value);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
} catch (error) {
  fail(error instanceof AppError ? error.message : `failed: ${(error as Error).message}`);
}
