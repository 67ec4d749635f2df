// Generates the SQLite and PostgreSQL Prisma clients (run by `npm install` and `npm run db:generate`).
// `prisma generate` needs only WebAssembly, but the CLI insists that a schema-engine binary exists first and
// would download one; pointing PRISMA_SCHEMA_ENGINE_BINARY at any executable skips that (it is never run).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { composeSchema } from './prisma-schema.ts';
import { generatedDir, providers, repoRoot } from './providers.ts';

const require = createRequire(import.meta.url);
const prismaCli = require.resolve('prisma/build/index.js');

for (const provider of providers) {
  const dir = generatedDir(provider);
  mkdirSync(dir, { recursive: true });
  const schemaPath = join(dir, 'schema.prisma');
  writeFileSync(schemaPath, composeSchema(provider));
  execFileSync(process.execPath, [prismaCli, 'generate', '--schema', schemaPath], {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
      PRISMA_HIDE_UPDATE_MESSAGE: '1',
      CHECKPOINT_DISABLE: '1',
    },
  });
  process.stderr.write(`attrql: generated the ${provider} Prisma client in ${dir}\n`);
}
