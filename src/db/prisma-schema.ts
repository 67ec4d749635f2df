import { readFileSync } from 'node:fs';
import { modelsFile, type Provider } from './providers.ts';

/** The full Prisma schema of one provider: its datasource and generator, then the shared models. */
export function composeSchema(provider: Provider): string {
  const header = `// Generated from prisma/models.prisma by src/db/prisma-schema.ts. Do not edit.
datasource db {
  provider = "${provider}"
}

generator client {
  provider     = "prisma-client"
  output       = "./client"
  moduleFormat = "esm"
}
`;
  return `${header}\n${providerSpecific(provider, readFileSync(modelsFile, 'utf8'))}`;
}

/**
 * The one difference between the providers' models: the change log's id is 64-bit on both databases, but Prisma
 * autoincrements only an Int on SQLite (where INTEGER is 64-bit anyway) and an Int is 32-bit on PostgreSQL.
 */
function providerSpecific(provider: Provider, models: string): string {
  if (provider === 'sqlite') return models;
  return models.replace(/^(\s+id\s+)Int(\s+)(@id @default\(autoincrement\(\)\))/m, '$1BigInt$2$3');
}
