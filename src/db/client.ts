import { PrismaClient as PostgresClient } from '../../generated/prisma/postgresql/client/client.ts';
import { PrismaClient as SqliteClient } from '../../generated/prisma/sqlite/client/client.ts';
import { adapterFactory } from './adapters.ts';
import { type DatabaseConfig, databaseConfig } from './config.ts';

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
export type Db = SqliteClient;
export type Tx = Omit<Db, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;

export function createDb(config: DatabaseConfig): Db {
  const adapter = adapterFactory(config);
  if (config.provider === 'postgresql') return new PostgresClient({ adapter }) as unknown as Db;
  return new SqliteClient({ adapter });
}

/** The process-wide database of DATABASE_URL. Connects lazily, on the first query. */
export const dbConfig = databaseConfig();
export const db: Db = createDb(dbConfig);
