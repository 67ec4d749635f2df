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
  return `${header}\n${readFileSync(modelsFile, 'utf8')}`;
}
