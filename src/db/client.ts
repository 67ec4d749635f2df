import { PrismaClient as PostgresPrismaClient } from '../../generated/prisma/postgresql/client/client.ts';
import { PrismaClient as SqlitePrismaClient } from '../../generated/prisma/sqlite/client/client.ts';
import { adapterFactory, postgresPool, setLocalTimeout } from './adapters.ts';
import { type DatabaseConfig, databaseConfig, pooled } from './config.ts';
import { ReadRouter } from './read-routing.ts';
import { parseLsn, ReplicaSet, replicaSettings } from './replicas.ts';
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
  /** PostgreSQL: the primary's WAL insert position now (at or past every commit this process has seen confirmed). */
  walPosition?: () => Promise<bigint>;
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
    // Not a statement of any request's work (the statement counter does not see it): a write's read-after token.
    const walPosition = async () =>
      parseLsn((await pool.query('SELECT pg_current_wal_insert_lsn()::text AS "lsn"')).rows[0].lsn as string);
    return { prisma, sql, walPosition, close };
  }
  const factory = adapterFactory(config);
  const prisma = new SqlitePrismaClient({ adapter: factory });
  return { prisma, sql: new LazySqliteClient(factory), close: () => prisma.$disconnect() };
}

/** A Prisma client of its own for a database (migration tests, tools). */
export function createDb(config: DatabaseConfig): Db {
  return openDatabase(config).prisma;
}

/**
 * On PostgreSQL, the read-only requests' reads go to the replicas of ATTRQL_READ_REPLICA_URLS (none: the primary)
 * and every write gets a read-after token (read-routing.ts); SQLite has one file and needs neither.
 */
function withReplicas(primary: Database): {
  database: Database;
  router: ReadRouter | null;
  replicas: ReplicaSet | null;
} {
  const settings = replicaSettings(dbConfig) ?? { urls: [], maxWaitMs: 0, maxLagMs: 0 };
  const walPosition = primary.walPosition;
  if (!walPosition) return { database: primary, router: null, replicas: null };
  const replicas = new ReplicaSet(settings, walPosition);
  const router = new ReadRouter(replicas, walPosition);
  const close = async () => {
    await replicas.close();
    await primary.close();
  };
  return { database: { ...primary, sql: router.route(primary.sql), close }, router, replicas };
}

/** The process-wide database of DATABASE_URL. Connects lazily, on the first query. */
export const dbConfig = databaseConfig();
const scaled = withReplicas(openDatabase(dbConfig));
export const database = scaled.database;
/** PostgreSQL only: where read-only requests read, and the read-after tokens of writes. */
export const readRouter = scaled.router;
/** PostgreSQL only: the read replicas and their state (checked in the background once started). */
export const replicas = scaled.replicas;
export const db: Db = database.prisma;
export const sql: SqlClient = database.sql;
