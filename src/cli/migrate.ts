// npm run db:migrate — applies pending migrations to DATABASE_URL and exits. Unlike `npm start`, it creates a
// missing PostgreSQL database first (an explicit set-up step, as Prisma's own migrate commands do).
import { runOrExit } from '../startup/run-or-exit.ts';

await runOrExit('attrql db:migrate', async () => {
  const { databaseConfig, directConfig } = await import('../db/config.ts');
  const { migrate } = await import('../db/migrate.ts');
  const { createPostgresDatabase, isMissingDatabase } = await import('../db/create-database.ts');
  const { log } = await import('../log.ts');

  const config = databaseConfig();
  const apply = () => migrate(config, { log: (line) => log(line) });
  let applied: string[];
  try {
    applied = await apply();
  } catch (error) {
    if (config.provider !== 'postgresql' || !isMissingDatabase(error)) throw error;
    // On the direct URL: a pooler only knows the databases it is configured with.
    log(`created database ${await createPostgresDatabase(directConfig(config).url)}`);
    applied = await apply();
  }
  log(applied.length ? `${applied.length} migration(s) applied` : 'database is up to date', {
    provider: config.provider,
  });
});
