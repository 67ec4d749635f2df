import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onPostgres } from './helpers/database.ts';

// README "Running at scale", the step after one primary: Citus, every table distributed by "orgId" except the
// reference tables and the two to change. This checks the schema as migrated against that plan: a distributed
// table's primary key, unique indexes and foreign keys must lead with "orgId" (Citus needs the distribution column
// in them), and every table must be in the plan (a new table has to be placed there first).
const plan = {
  distributed: [
    'Person',
    'PersonHandle',
    'PersonGroup',
    'Role',
    'PersonRole',
    'AttributeBucket',
    'PersonAttribute',
    'UuidMetadata',
    'UserAttribute',
    'UserAttributeGroupValue',
    'UserAttributeValue',
    'WebhookEndpoint',
    'WebhookDelivery',
  ],
  /** Small, read everywhere, looked up before the organization is known (an API key by its hash). */
  reference: ['Organization', 'ApiKey', '_prisma_migrations'],
  /** What the README says would have to change, as it is today (so the plan is updated when they change). */
  toChange: { PersonChange: ['id'], RateLimitWindow: ['credential', 'windowStart'] } as Record<string, string[]>,
};

interface Constraint {
  table: string;
  name: string;
  kind: 'p' | 'u' | 'f';
  columns: string[];
}

describe.skipIf(!onPostgres)('the Citus plan of README "Running at scale"', () => {
  let client: pg.Client;
  let constraints: Constraint[];
  let tables: string[];

  beforeAll(async () => {
    client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    tables = (
      await client.query<{ name: string }>(
        'SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1',
      )
    ).rows.map((row) => row.name);
    // Primary keys, unique constraints and foreign keys, and unique indexes that are no constraint (Prisma's @unique).
    constraints = (
      await client.query<Constraint>(`
        SELECT c.conrelid::regclass::text AS "table", c.conname AS name, c.contype AS kind,
               array(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
                     JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i) AS columns
        FROM pg_constraint c JOIN pg_namespace s ON s.oid = c.connamespace
        WHERE s.nspname = current_schema() AND c.contype IN ('p', 'u', 'f')
        UNION ALL
        SELECT i.indrelid::regclass::text, x.relname, 'u',
               array(SELECT a.attname::text FROM unnest(i.indkey) WITH ORDINALITY k(n, o)
                     JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n ORDER BY k.o)
        FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid JOIN pg_namespace s ON s.oid = x.relnamespace
        WHERE s.nspname = current_schema() AND i.indisunique AND NOT i.indisprimary
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`)
    ).rows.map((row) => ({ ...row, table: row.table.replaceAll('"', '') }));
  });
  afterAll(() => client?.end());

  it('places every table of the schema', () => {
    const placed = [...plan.distributed, ...plan.reference, ...Object.keys(plan.toChange)].sort();
    expect(tables.sort()).toEqual(placed);
  });

  it('every primary key, unique index and foreign key of a distributed table leads with "orgId"', () => {
    const checked = constraints.filter((constraint) => plan.distributed.includes(constraint.table));
    expect(checked.filter((c) => c.kind === 'p').length).toBe(plan.distributed.length);
    expect(checked.filter((c) => c.kind === 'f').length).toBeGreaterThan(10);
    const offending = checked.filter((constraint) => constraint.columns[0] !== 'orgId');
    expect(offending).toEqual([]);
  });

  it('foreign keys between distributed tables join on "orgId" too (colocated), others point at reference tables', () => {
    for (const { table, name, columns } of constraints.filter((c) => c.kind === 'f')) {
      expect(columns[0], `${table}.${name}`).toBe('orgId');
    }
  });

  it('the tables to change are still as the plan describes them', () => {
    for (const [table, key] of Object.entries(plan.toChange)) {
      expect(constraints.find((c) => c.table === table && c.kind === 'p')?.columns, table).toEqual(key);
    }
  });
});
