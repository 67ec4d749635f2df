import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createDb } from '../src/db/client.ts';
import { databaseConfig, sqlitePath } from '../src/db/config.ts';
import { migrate, pendingMigrations } from '../src/db/migrate.ts';
import { loadMigrations } from '../src/db/migrations.ts';
import { composeSchema } from '../src/db/prisma-schema.ts';
import { readPgCharColumnsAsText, withSchemaEngine } from '../src/db/schema-engine.ts';
import { createTestDatabase, onPostgres } from './helpers/database.ts';

const provider = onPostgres ? 'postgresql' : 'sqlite';
const all = loadMigrations(provider).migrationDirectories.map((dir) => dir.path);

describe(`migrations (${provider})`, () => {
  it('come as at least two steps in Prisma’s folder layout', () => {
    expect(all.length).toBeGreaterThanOrEqual(2);
    for (const name of all) expect(name).toMatch(/^\d{14}_[a-z0-9_]+$/);
  });

  it('apply to an empty database, then a second run applies nothing', async () => {
    const database = await createTestDatabase('migrate');
    const config = databaseConfig(database.url);
    try {
      expect(await migrate(config)).toEqual(all);
      expect(await pendingMigrations(config, all)).toEqual([]);
      expect(await migrate(config)).toEqual([]);
      if (!onPostgres) {
        // Readers never block the writer, and the file survives several processes: WAL, set once, persists.
        const sqlite = new Database(sqlitePath(config));
        expect(sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
        sqlite.close();
      }
    } finally {
      await database.drop();
    }
  });

  it('upgrade a database created by the older migration set, keeping its data', async () => {
    const database = await createTestDatabase('upgrade');
    const config = databaseConfig(database.url);
    const older = all.slice(0, -1);
    try {
      expect(await migrate(config, { upTo: older.length })).toEqual(older);
      const client = createDb(config);
      await client.organization.create({ data: { id: 'org-1', name: 'before', tokenSecret: 's' } });
      await client.person.create({ data: { orgId: 'org-1', id: 'ada', eTag: 'e1' } });
      await client.$disconnect();

      expect(await migrate(config)).toEqual(all.slice(older.length));

      const upgraded = createDb(config);
      expect(await upgraded.person.findMany({ select: { id: true, eTag: true } })).toEqual([{ id: 'ada', eTag: 'e1' }]);
      await upgraded.rateLimitWindow.create({ data: { credential: 'c', windowStart: 0n, count: 1 } });
      expect(await upgraded.rateLimitWindow.count()).toBe(1);
      await upgraded.$disconnect();
    } finally {
      await database.drop();
    }
  });

  it('match prisma/models.prisma exactly (no model change without a migration)', async () => {
    const scratch = await createTestDatabase('drift');
    try {
      if (onPostgres) await readPgCharColumnsAsText();
      const migrations = loadMigrations(provider);
      const { stdout } = await withSchemaEngine(databaseConfig(scratch.url), (engine) =>
        engine.diff({
          from: { tag: 'migrations', ...migrations },
          to: { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: composeSchema(provider) }] },
          script: true,
          exitCode: null,
          filters: { externalTables: [], externalEnums: [] },
        }),
      );
      expect(stdout ?? '').toMatch(/^(-- This is an empty migration\.)?\s*$/);
    } finally {
      await scratch.drop();
    }
  });
});
