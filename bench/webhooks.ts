// npm run bench:webhooks -- [--postgres] [--rounds N] [--seconds S] [--clients C]: issue 22's scenario. Scenario 1's
// merges through one attrql process, in paired rounds taking turns: on an organization with 10 webhook endpoints
// (receivers in this process) and on one with none. Then merges paced at half the rate measured without endpoints,
// timing each change from the write's acknowledgement to its arrival at each endpoint. Nothing may be lost: every
// acknowledged change reaches every endpoint once. Markdown on stdout.
import { execFileSync } from 'node:child_process';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type BenchDatabase, postgresDatabase, sqliteDatabase } from './databases.ts';
import { closeAgent, graphql, post } from './http.ts';
import { repoRoot, startServer } from './processes.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? Number(args[index + 1]) : fallback;
};
const onPostgres = args.includes('--postgres');
const rounds = option('rounds', 3);
const seconds = option('seconds', 5);
const clients = option('clients', 16);
const endpointCount = 10;
const persons = 50;
const log = (line: string) => process.stderr.write(`${line}\n`);

const mergeDoc = `mutation M($input: UpdatePersonAttributesInput!) { updatePersonAttributes(input: $input) { person { eTag } } }`;

/** Receivers: each records, per change eTag, when it arrived (performance.now()) and how often. */
interface Receiver {
  url: string;
  arrivals: Map<string, number>;
  duplicates: number;
  server: HttpServer;
}

async function startReceiver(): Promise<Receiver> {
  const arrivals = new Map<string, number>();
  const receiver = { arrivals, duplicates: 0 } as Receiver;
  receiver.server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      const at = performance.now();
      const eTag = (JSON.parse(body) as { data: { eTag: string } }).data.eTag;
      if (arrivals.has(eTag)) receiver.duplicates += 1;
      else arrivals.set(eTag, at);
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(receiver.server.address() as AddressInfo).port}/hook`;
  return receiver;
}

function admin(databaseUrl: string, name: string): { orgId: string; apiKey: string } {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/admin.ts', 'create-org', '--name', name], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: databaseUrl, ATTRQL_LOG: 'silent' },
  });
  return JSON.parse(out.toString()) as { orgId: string; apiKey: string };
}

let counter = 0;
/** One merge of a new value; resolves with the person's new eTag and when the write was acknowledged. */
async function mergeOnce(url: string, apiKey: string): Promise<{ eTag: string; ackAt: number }> {
  counter += 1;
  const personId = `p${counter % persons}`;
  const reply = await post(
    url,
    '/graphql',
    JSON.stringify({
      query: mergeDoc,
      variables: { input: { personId, bucket: 'end_user_read_write', attributes: { n: counter } } },
    }),
    apiKey,
  );
  const ackAt = performance.now();
  const data = JSON.parse(reply.body) as { data?: { updatePersonAttributes: { person: { eTag: string } } } };
  const eTag = data.data?.updatePersonAttributes.person.eTag;
  if (reply.status !== 200 || !eTag) throw new Error(`merge failed: ${reply.body.slice(0, 200)}`);
  return { eTag, ackAt };
}

/** Closed loop: `clients` concurrent writers for `seconds`; the acknowledged writes. */
async function closedLoop(url: string, apiKey: string): Promise<Map<string, number>> {
  const acked = new Map<string, number>();
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        const { eTag, ackAt } = await mergeOnce(url, apiKey);
        acked.set(eTag, ackAt);
      }
    }),
  );
  return acked;
}

/** Open loop at `rate` merges per second for `seconds`. */
async function paced(url: string, apiKey: string, rate: number): Promise<Map<string, number>> {
  const acked = new Map<string, number>();
  const start = performance.now();
  const total = Math.round(rate * seconds);
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i += 1) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(
      mergeOnce(url, apiKey).then(({ eTag, ackAt }) => {
        acked.set(eTag, ackAt);
      }),
    );
  }
  await Promise.all(pending);
  return acked;
}

/** Waits until every receiver has every acknowledged change (at most 120 s); the delays ack → arrival, in ms. */
async function delivered(receivers: Receiver[], acked: Map<string, number>): Promise<number[]> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const missing = receivers.reduce((sum, r) => sum + [...acked.keys()].filter((e) => !r.arrivals.has(e)).length, 0);
    if (missing === 0) break;
    if (Date.now() > deadline) throw new Error(`LOST: ${missing} deliveries missing after 120 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return receivers.flatMap((r) => [...acked].map(([eTag, ackAt]) => (r.arrivals.get(eTag) as number) - ackAt));
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
};

async function main(): Promise<void> {
  execFileSync('npm', ['run', '--silent', 'build:server'], { cwd: repoRoot, stdio: 'inherit' });
  const database: BenchDatabase = onPostgres ? await postgresDatabase('webhooks') : sqliteDatabase('webhooks');
  const server = await startServer('attrql', 'dist/server/main.mjs', {
    DATABASE_URL: database.url,
    ATTRQL_RATE_LIMIT_PER_MINUTE: '0',
    ATTRQL_LOG: 'silent',
    NODE_ENV: 'production',
    ATTRQL_WEBHOOK_ALLOW_PRIVATE: 'true',
  });
  log(`attrql on ${database.url}`);
  const receivers = await Promise.all(Array.from({ length: endpointCount }, startReceiver));
  try {
    const [withHooks, without] = [admin(database.url, 'with-webhooks'), admin(database.url, 'without')];
    for (const org of [withHooks, without]) {
      for (let i = 0; i < persons; i += 1) {
        await graphql(
          server.url,
          'mutation C($id: ID!) { createPerson(input: { id: $id }) { person { id } } }',
          { id: `p${i}` },
          org.apiKey,
        );
      }
    }
    for (const receiver of receivers) {
      await graphql(
        server.url,
        'mutation C($url: String!) { createWebhookEndpoint(input: { url: $url, areas: [ATTRIBUTE] }) { secret } }',
        { url: receiver.url },
        withHooks.apiKey,
      );
    }
    log('seeded; warming up');
    await closedLoop(server.url, without.apiKey); // warm-up
    const ratios: number[] = [];
    const rps = { with: [] as number[], without: [] as number[] };
    let lost = 0;
    for (let round = 0; round < rounds; round += 1) {
      // Taking turns, so drift affects both alike; each endpoint-round waits for its deliveries before the next.
      const plain = (await closedLoop(server.url, without.apiKey)).size / seconds;
      const ackedWith = await closedLoop(server.url, withHooks.apiKey);
      const hooked = ackedWith.size / seconds;
      await delivered(receivers, ackedWith).catch((error: Error) => {
        lost += 1;
        log(error.message);
      });
      rps.without.push(plain);
      rps.with.push(hooked);
      ratios.push(hooked / plain);
      log(
        `round ${round + 1}: ${hooked.toFixed(0)} merges/s with ${endpointCount} endpoints, ${plain.toFixed(0)} without (${(hooked / plain).toFixed(3)}×)`,
      );
    }
    const maxRps = quantile(rps.without, 0.5);
    const rate = Math.max(1, Math.round(maxRps / 2));
    const ackedPaced = await paced(server.url, withHooks.apiKey, rate);
    const delays = await delivered(receivers, ackedPaced);
    const duplicates = receivers.reduce((sum, r) => sum + r.duplicates, 0);
    const provider = onPostgres ? 'PostgreSQL' : 'SQLite';
    console.log(
      `| database | merges/s without endpoints (median) | with ${endpointCount} (median) | ratio per round | paced rate | delivery p50 / p99 from the ack | duplicates | lost rounds |`,
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
    console.log(
      `| ${provider} | ${maxRps.toFixed(0)} | ${quantile(rps.with, 0.5).toFixed(0)} | ${ratios.map((r) => r.toFixed(3)).join(', ')} | ${rate}/s × ${seconds} s | ${quantile(delays, 0.5).toFixed(0)} ms / ${quantile(delays, 0.99).toFixed(0)} ms | ${duplicates} | ${lost} |`,
    );
  } finally {
    await server.stop();
    for (const receiver of receivers) receiver.server.close();
    closeAgent();
    await database.drop();
  }
}

await main();
