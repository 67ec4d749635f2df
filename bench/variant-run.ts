// What bench/variants.ts and bench/cpu-cost.ts share: a database seeded with 1,000 persons, attrql processes of the
// variants to compare (node flags, environment, another build of the bundle) pinned to the server's core, and the
// clean-up of all of it, also on Ctrl-C.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BenchDatabase, postgresDatabase, sqliteDatabase } from './databases.ts';
import { attrqlEnv, type Server, serverCore, startServer } from './processes.ts';
import type { LoadData } from './scenarios.ts';
import { seed } from './seed/seed.ts';

export interface Variant {
  name: string;
  /** The server's bundle (default dist/server/main.mjs): another build, copied beside it, to compare two builds. */
  script?: string;
  /** Node options, on node's command line. */
  flags?: string[];
  env?: Record<string, string>;
}

export interface VariantRun {
  database: BenchDatabase;
  data: LoadData;
  /** A scratch folder, removed at the end. */
  dir: string;
  /** Every process started for the run (stopped at the end); add the ones started otherwise. */
  servers: Server[];
  /** Starts one variant's attrql process, run as the bench runs attrql (`attrqlEnv`). */
  startVariant(variant: Variant, env?: Record<string, string>): Promise<Server>;
  cleanUp(): Promise<void>;
}

export const log = (line: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);

export async function openVariantRun(provider: 'sqlite' | 'postgresql', name: string): Promise<VariantRun> {
  const dir = mkdtempSync(join(tmpdir(), `attrql-${name}-`));
  const database = provider === 'sqlite' ? sqliteDatabase(`${name}-${process.pid}`) : await postgresDatabase(name);
  const servers: Server[] = [];
  const cleanUp = async () => {
    for (const server of servers) await server.stop();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('SIGINT', () => void cleanUp().then(() => process.exit(1)));
  const seeded = await seed({ databaseUrl: database.url, persons: 1000, progress: false }).catch(async (error) => {
    await cleanUp();
    throw error;
  });
  const data: LoadData = { apiKey: seeded.apiKey, orgId: seeded.orgId, persons: 1000, tokens: [], metadataETags: {} };
  const startVariant = async (variant: Variant, env: Record<string, string> = variant.env ?? {}) => {
    // The node flags go through a wrapper script: startServer runs `<node binary> <script>`.
    const wrapper = join(dir, `node-${variant.name}.sh`);
    writeFileSync(wrapper, `#!/bin/sh\nexec ${process.execPath} ${(variant.flags ?? []).join(' ')} "$@"\n`);
    chmodSync(wrapper, 0o755);
    const server = await startServer(
      variant.name,
      variant.script ?? 'dist/server/main.mjs',
      { ...attrqlEnv(database.url), ...env },
      serverCore,
      wrapper,
    );
    servers.push(server);
    return server;
  };
  return { database, data, dir, servers, startVariant, cleanUp };
}
