// Prisma's migration engine, compiled to WebAssembly (@prisma/schema-engine-wasm). The CLI would download a
// native binary instead, which is not reachable everywhere attrql runs. The package imports its .wasm file as
// an ES module, which Node only allows behind a flag, so it is instantiated here by hand instead.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory, type SqlDriverAdapter } from '@prisma/driver-adapter-utils';
import type * as Engine from '@prisma/schema-engine-wasm';
import pg from 'pg';
import { type DatabaseConfig, sqlitePath } from './config.ts';
import { heardPool, pgClient } from './pg-connections.ts';
import { composeSchema } from './prisma-schema.ts';

type EngineModule = typeof Engine;
let engineModule: Promise<EngineModule> | undefined;

function loadEngineModule(): Promise<EngineModule> {
  engineModule ??= (async () => {
    const require = createRequire(import.meta.url);
    const glueFile = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const glue = (await import(pathToFileURL(glueFile).href)) as EngineModule & {
      __wbg_set_wasm(exports: WebAssembly.Exports): void;
    };
    const module = new WebAssembly.Module(readFileSync(join(dirname(glueFile), 'schema_engine_bg.wasm')));
    const instance = new WebAssembly.Instance(module, { './schema_engine_bg.js': unrefTimers(glue) });
    glue.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return glue;
  })();
  return engineModule;
}

/**
 * The engine arms a 10 s timer per query and never clears it, which keeps a short-lived command (migrate,
 * admin CLI) alive for 10 s after its work is done. Its timers are unref'd so they never hold the process.
 */
function unrefTimers(glue: object): WebAssembly.ModuleImports {
  const imports: WebAssembly.ModuleImports = { ...(glue as WebAssembly.ModuleImports) };
  for (const [name, value] of Object.entries(imports)) {
    if (name.startsWith('__wbg_setTimeout_') && typeof value === 'function') {
      imports[name] = (...args: unknown[]) => {
        const timer = (value as (...a: unknown[]) => unknown)(...args);
        (timer as { unref?: () => void } | undefined)?.unref?.();
        return timer;
      };
    }
  }
  return imports;
}

/**
 * When diffing from the migrations folder, the engine replays each migration file on a shadow database with
 * one executeRaw call, which better-sqlite3 refuses for several statements; those run as a script instead.
 */
function withMultiStatementShadow(factory: PrismaBetterSqlite3): PrismaBetterSqlite3 {
  const connectToShadowDb = factory.connectToShadowDb.bind(factory);
  factory.connectToShadowDb = async () => {
    const shadow = await connectToShadowDb();
    const executeRaw = shadow.executeRaw.bind(shadow);
    shadow.executeRaw = async (query) => {
      if (query.args.length > 0) return executeRaw(query);
      await shadow.executeScript(query.sql);
      return 0;
    };
    return shadow;
  };
  return factory;
}

/**
 * Diffing against PostgreSQL introspects pg_catalog, whose `"char"` columns Prisma's pg adapter cannot map
 * ("Column type 'char' could not be deserialized"). Reading them as text is what the engine expects. This
 * patches the adapter class, so only the migration-authoring tool calls it, never the server.
 */
export async function readPgCharColumnsAsText(): Promise<void> {
  const factory = new PrismaPg({ connectionString: 'postgresql://unused' });
  const adapter = await factory.connect();
  let proto = Object.getPrototypeOf(adapter) as Record<string, unknown> | null;
  while (proto && !Object.hasOwn(proto, 'performIO')) proto = Object.getPrototypeOf(proto);
  await adapter.dispose();
  if (!proto) throw new Error('@prisma/adapter-pg changed: no performIO to patch');
  const performIO = proto.performIO as (
    this: unknown,
    ...args: unknown[]
  ) => Promise<{ fields: { dataTypeID: number }[] }>;
  const pgCharOid = 18;
  const textOid = 25;
  proto.performIO = async function (this: unknown, ...args: unknown[]) {
    const result = await performIO.apply(this, args);
    for (const field of result.fields ?? []) if (field.dataTypeID === pgCharOid) field.dataTypeID = textOid;
    return result;
  };
}

/**
 * The URL as separate fields: the pg adapter makes its shadow database by overriding `database`, which a
 * `connectionString` would silently win over (the "shadow" would be the real database).
 */
function pgConnectionFields(url: string): pg.PoolConfig {
  const parsed = new URL(url);
  return {
    host: decodeURIComponent(parsed.hostname) || undefined,
    port: parsed.port ? Number(parsed.port) : undefined,
    user: decodeURIComponent(parsed.username) || undefined,
    password: decodeURIComponent(parsed.password) || undefined,
    database: decodeURIComponent(parsed.pathname.slice(1)) || undefined,
  };
}

/**
 * The pg adapter's own shadow database is dropped while its pool still holds a connection (the drop fails and
 * the database is left behind); this one closes the pool first.
 */
function withDisposableShadow(factory: PrismaPg, url: string): PrismaPg {
  factory.connectToShadowDb = async () => {
    const database = `attrql_shadow_${randomUUID().replaceAll('-', '')}`;
    const admin = pgClient(pgConnectionFields(url));
    await admin.connect();
    await admin.query(`CREATE DATABASE "${database}"`);
    await admin.end();
    const pool = heardPool(new pg.Pool({ ...pgConnectionFields(url), database, max: 2 }));
    const shadow = await new PrismaPg(pool, { disposeExternalPool: true }).connect();
    const dispose = shadow.dispose.bind(shadow);
    shadow.dispose = async () => {
      await dispose();
      const cleanup = pgClient(pgConnectionFields(url));
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS "${database}"`);
      await cleanup.end();
    };
    return shadow;
  };
  return factory;
}

export type SchemaEngine = Engine.SchemaEngine;

/**
 * Runs `fn` with the schema engine opened on a database (the composed Prisma schema of its provider as
 * datamodel), then frees the engine and closes its connections.
 */
export async function withSchemaEngine<T>(
  config: DatabaseConfig,
  fn: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  const { SchemaEngine } = await loadEngineModule();
  const pool =
    config.provider === 'postgresql'
      ? heardPool(new pg.Pool({ ...pgConnectionFields(config.url), max: 2 }))
      : undefined;
  const factory = pool
    ? withDisposableShadow(new PrismaPg(pool, { disposeExternalPool: false }), config.url)
    : withMultiStatementShadow(new PrismaBetterSqlite3({ url: `file:${sqlitePath(config)}` }));
  // The engine does not close the connections it opens when freed; an open SQLite connection can keep a
  // read snapshot that blocks the next writer, so they are closed here.
  const opened: SqlDriverAdapter[] = [];
  const connect = factory.connect.bind(factory);
  factory.connect = async () => {
    const adapter = await connect();
    opened.push(adapter);
    return adapter;
  };
  const engine = await SchemaEngine.new(
    { datamodels: [['schema.prisma', composeSchema(config.provider)]] },
    () => {},
    bindMigrationAwareSqlAdapterFactory(factory),
  );
  try {
    return await fn(engine);
  } finally {
    engine.free();
    if (!pool) await Promise.all(opened.map((adapter) => adapter.dispose()));
    await pool?.end();
  }
}
