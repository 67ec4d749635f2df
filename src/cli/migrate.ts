// npm run db:migrate — applies pending migrations to DATABASE_URL and exits.
import { databaseConfig } from '../db/config.ts';
import { migrate } from '../db/migrate.ts';
import { log } from '../log.ts';

const config = databaseConfig();
const applied = await migrate(config, { log: (line) => log(line) });
log(applied.length ? `${applied.length} migration(s) applied` : 'database is up to date', {
  provider: config.provider,
});
