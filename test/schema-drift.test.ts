import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { printSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../src/db/providers.ts';
import { schema } from '../src/schema/index.ts';

describe('schema.graphql', () => {
  it('is what the code generates (run `npm run schema:print` after changing the schema)', () => {
    const committed = readFileSync(join(repoRoot, 'schema.graphql'), 'utf8');
    expect(committed).toBe(`${printSchema(schema)}\n`);
  });
});
