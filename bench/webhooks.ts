// npm run bench:webhooks -- [--postgres] [--rounds N] [--seconds S] [--paced-seconds S] [--clients C]: scenario 14
// (issue 22, bench/webhook-scenario.ts) on its own, without the rest of `npm run bench`. Markdown on stdout.
import { execFileSync } from 'node:child_process';
import { type BenchDatabase, postgresDatabase, sqliteDatabase } from './databases.ts';
import { closeAgent } from './http.ts';
import { attrqlEnv, repoRoot, startServer } from './processes.ts';
import { webhookRows } from './report.ts';
import { measureWebhooks } from './webhook-scenario.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? Number(args[index + 1]) : fallback;
};
const provider = args.includes('--postgres') ? 'postgresql' : 'sqlite';
const seconds = option('seconds', 5);

execFileSync('npm', ['run', '--silent', 'build:server'], { cwd: repoRoot, stdio: 'inherit' });
const database: BenchDatabase =
  provider === 'postgresql' ? await postgresDatabase('webhooks') : sqliteDatabase('webhooks');
try {
  const result = await measureWebhooks({
    databaseUrl: database.url,
    startAttrql: (env) => startServer('attrql', 'dist/server/main.mjs', { ...attrqlEnv(database.url), ...env }),
    stop: (server) => server.stop(),
    rounds: option('rounds', 3),
    roundSeconds: seconds,
    pacedSeconds: option('paced-seconds', seconds),
    clients: option('clients', 16),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  console.log(webhookRows([{ provider, webhooks: result }]).join('\n'));
} finally {
  closeAgent();
  await database.drop();
}
