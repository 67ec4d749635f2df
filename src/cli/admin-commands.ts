import { dbConfig } from '../db/client.ts';
import { migrate } from '../db/migrate.ts';
import { createApiKey, createOrganization, revokeApiKey } from '../domain/organizations.ts';
import { log } from '../log.ts';

const commands: Record<string, (value: string) => Promise<unknown>> = {
  'create-org': (name) => createOrganization(name),
  'create-api-key': (orgId) => createApiKey(orgId),
  'revoke-api-key': async (key) => {
    await revokeApiKey(key);
    return { revoked: true };
  },
};

/** Applies pending migrations, then runs one admin command; returns what it prints. */
export async function runAdminCommand(name: string, value: string): Promise<unknown> {
  const command = commands[name];
  if (!command) throw new Error(`unknown command ${name}`);
  await migrate(dbConfig, { log: (line) => log(line) });
  return command(value);
}
