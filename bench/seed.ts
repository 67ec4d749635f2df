// npm run seed -- --persons N [--database-url URL]
// Seeds DATABASE_URL (or --database-url) and prints {"orgId","apiKey","persons","bytesPerPerson",…} on stdout.
import { parseArgs } from 'node:util';
import { defaultDatabaseUrl } from '../src/db/config.ts';
import { seed } from './seed/seed.ts';

const { values } = parseArgs({
  options: {
    persons: { type: 'string', default: '1000' },
    'database-url': { type: 'string' },
  },
});
const persons = Number(values.persons);
if (!Number.isInteger(persons) || persons < 0) {
  process.stderr.write('--persons must be a whole number\n');
  process.exit(2);
}
const databaseUrl = values['database-url'] ?? (process.env.DATABASE_URL || defaultDatabaseUrl);
const result = await seed({ databaseUrl, persons });
process.stdout.write(`${JSON.stringify(result)}\n`);
