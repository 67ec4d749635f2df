import { PrismaClient as PostgresPrismaClient } from '../../generated/prisma/postgresql/client/client.ts';
import { PrismaClient as SqlitePrismaClient } from '../../generated/prisma/sqlite/client/client.ts';
import { adapterFactory, postgresPool, setLocalTimeout } from './adapters.ts';
import { type DatabaseConfig, databaseConfig, pooled } from './config.ts';
import { LazySqliteClient } from './sql/lazy-sqlite-client.ts';
import { PostgresClient } from './sql/postgres-client.ts';
import type { SqlClient } from './sql/sql-client.ts';

export type {
  AttributeBucket,
  Person,
  PersonAttribute,
  PersonGroup,
  PersonHandle,
  PersonRole,
  Role,
  UserAttribute,
  UserAttributeGroupValue,
  UserAttributeValue,
  UuidMetadata,
} from '../../generated/prisma/sqlite/client/client.ts';
export { Prisma } from '../../generated/prisma/sqlite/client/client.ts';

/**
 * Both generated clients have the same models and therefore the same API; the SQLite client's type stands
 * for both.
 */
export type Db = SqlitePrismaClient;
export type Tx = Omit<Db, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;

/** Prisma for everything, and the fast path (`sql`) on the same connection or pool for the hot paths. */
export interface Database {
  prisma: Db;
  sql: SqlClient;
  close(): Promise<void>;
}

export function openDatabase(config: DatabaseConfig): Database {
  if (config.provider === 'postgresql') {
    const pool = postgresPool(config);
    const prisma = new PostgresPrismaClient({ adapter: adapterFactory(config, pool) }) as unknown as Db;
    const sql = new PostgresClient(pool, {
      prepared: !pooled(config),
      beginWith: pooled(config) ? setLocalTimeout : undefined,
      listenUrl: config.directUrl,
    });
    const close = async () => {
      await prisma.$disconnect();
      await sql.close();
    };
    return { prisma, sql, close };
  }
  const factory = adapterFactory(config);
  const prisma = new SqlitePrismaClient({ adapter: factory });
  return { prisma, sql: new LazySqliteClient(factory), close: () => prisma.$disconnect() };
}

/** A Prisma client of its own for a database (migration tests, tools). */
export function createDb(config: DatabaseConfig): Db {
  return openDatabase(config).prisma;
}

/** The process-wide database of DATABASE_URL. Connects lazily, on the first query. */
export const dbConfig = databaseConfig();
export const database = openDatabase(dbConfig);
export const db: Db = database.prisma;
export const sql: SqlClient = database.sql;
