// npm run schema:print — writes schema.graphql from the code (sorted). A test fails when the two differ.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { printSchema } from 'graphql';
import { repoRoot } from '../db/providers.ts';
import { schema } from '../schema/index.ts';

const path = join(repoRoot, 'schema.graphql');
writeFileSync(path, `${printSchema(schema)}\n`);
process.stderr.write(`attrql: wrote ${path}\n`);
