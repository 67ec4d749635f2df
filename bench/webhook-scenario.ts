// Scenario 14 (issue 22): scenario 1's merges through one attrql process with 10 webhook endpoints delivering
// everything, their receivers in this (the load generator's) process. Paired rounds taking turns, closed loop: on an
// organization with the 10 endpoints and on one with none (merge throughput, with / without). Then merges evenly
// paced at half the rate measured without endpoints, each change timed from the write's acknowledgement to its
// arrival at each endpoint (delivery p50 / p99 at 50% load). Nothing may be lost: every acknowledged change reaches
// every endpoint, once.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { graphql, post } from './http.ts';
import { quantile } from './paced.ts';
import { repoRoot, type Server } from './processes.ts';

export const webhookEndpoints = 10;
const persons = 50;
/** After the load: how long every endpoint may take to receive every acknowledged change (else they count as lost). */
const drainMs = 120_000;

export interface WebhookScenarioOptions {
  databaseUrl: string;
  /** Starts an attrql on the database with the extra environment (webhooks to loopback allowed). */
  startAttrql: (env: Record<string, string>) => Promise<Server>;
  stop: (server: Server) => Promise<void>;
  rounds: number;
  /** Length of each closed-loop round; deliveries yield to queued requests until 10 s behind, so keep it under 10. */
  roundSeconds: number;
  pacedSeconds: number;
  clients: number;
  log: (line: string) => void;
}

export interface WebhookResult {
  endpoints: number;
  rounds: { without: number; with: number }[];
  /** Median merges/s over the rounds, without endpoints and with them. */
  withoutRps: number;
  withRps: number;
  /** Median of the paired ratios with / without. */
  ratio: number;
  pacedRate: number;
  pacedSeconds: number;
  /** ack → arrival over every change of the paced run and every endpoint, ms. */
  p50: number;
  p99: number;
  max: number;
  /** attrql's CPU (one core = 100%) during the paced run, and this process's (writers and receivers). */
  pacedCpuPercent: { attrql: number; generator: number };
  /** Deliveries that yielded 50 ms to queueing requests during the paced run (and its drain), by what showed it. */
  pacedYields: { requests: number; cpu: number };
  /** Deliveries missing after the drain (closed-loop rounds and paced run), and ones received twice. */
  lost: number;
  duplicates: number;
}

const mergeDoc = `mutation M($input: UpdatePersonAttributesInput!) { updatePersonAttributes(input: $input) { person { eTag } } }`;

/** A receiver: per change eTag, when it arrived (performance.now()); and how many arrived twice. */
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

function createOrg(databaseUrl: string, name: string): { orgId: string; apiKey: string } {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/admin.ts', 'create-org', '--name', name], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: databaseUrl, ATTRQL_LOG: 'silent' },
  });
  return JSON.parse(out.toString()) as { orgId: string; apiKey: string };
}

let counter = 0;
/** One merge of a new value; the person's new eTag and when the write was acknowledged. */
async function mergeOnce(url: string, apiKey: string): Promise<{ eTag: string; ackAt: number }> {
  counter += 1;
  const body = JSON.stringify({
    query: mergeDoc,
    variables: {
      input: { personId: `p${counter % persons}`, bucket: 'end_user_read_write', attributes: { n: counter } },
    },
  });
  // A kept-alive socket attrql closed for idleness just as it was reused ("socket hang up"): sent again, once.
  const reply = await post(url, '/graphql', body, apiKey).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ECONNRESET') throw error;
    return post(url, '/graphql', body, apiKey);
  });
  const ackAt = performance.now();
  const data = JSON.parse(reply.body) as { data?: { updatePersonAttributes: { person: { eTag: string } } } };
  const eTag = data.data?.updatePersonAttributes.person.eTag;
  if (reply.status !== 200 || !eTag) throw new Error(`merge failed: ${reply.body.slice(0, 200)}`);
  return { eTag, ackAt };
}

/** Closed loop: `clients` concurrent writers for `seconds`; the acknowledged writes (eTag → ack time). */
async function closedLoop(url: string, apiKey: string, clients: number, seconds: number): Promise<Map<string, number>> {
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

/** Open loop: merge k is sent at start + k/rate whatever the ones before it are doing. */
async function paced(url: string, apiKey: string, rate: number, seconds: number): Promise<Map<string, number>> {
  const acked = new Map<string, number>();
  const start = performance.now();
  const total = Math.round(rate * seconds);
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i += 1) {
    const wait = start + (i * 1000) / rate - performance.now();
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

/** Waits until every receiver has every acknowledged change (at most `drainMs`); the ack → arrival delays and how many are missing. */
async function delivered(
  receivers: Receiver[],
  acked: Map<string, number>,
): Promise<{ delays: number[]; lost: number }> {
  const deadline = Date.now() + drainMs;
  let missing = 0;
  for (;;) {
    missing = 0;
    for (const receiver of receivers) for (const eTag of acked.keys()) if (!receiver.arrivals.has(eTag)) missing += 1;
    if (missing === 0 || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const delays = receivers.flatMap((r) =>
    [...acked].flatMap(([eTag, ackAt]) => {
      const at = r.arrivals.get(eTag);
      return at === undefined ? [] : [at - ackAt];
    }),
  );
  return { delays, lost: missing };
}

/** A process's CPU time so far (user + system), in seconds, from /proc (clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** attrql's count of deliveries that yielded to queueing requests so far, by reason (its /metrics). */
async function yieldsSoFar(url: string): Promise<{ requests: number; cpu: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const count = (reason: string) =>
    Number(
      new RegExp(`^attrql_webhook_yields_total\\{reason="${reason}"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN,
    );
  return { requests: count('requests'), cpu: count('cpu') };
}

const median = (values: number[]) =>
  quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );

export async function measureWebhooks(options: WebhookScenarioOptions): Promise<WebhookResult> {
  const { clients, log } = options;
  const server = await options.startAttrql({ ATTRQL_WEBHOOK_ALLOW_PRIVATE: 'true' });
  const receivers = await Promise.all(Array.from({ length: webhookEndpoints }, startReceiver));
  try {
    const [withHooks, without] = [
      createOrg(options.databaseUrl, 'bench webhooks'),
      createOrg(options.databaseUrl, 'bench no webhooks'),
    ];
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
    await closedLoop(server.url, without.apiKey, clients, options.roundSeconds); // warm-up
    const rounds: WebhookResult['rounds'] = [];
    let lost = 0;
    for (let round = 0; round < options.rounds; round += 1) {
      // Taking turns, so drift affects both alike; each round with endpoints waits for its deliveries before the next.
      const plain = (await closedLoop(server.url, without.apiKey, clients, options.roundSeconds)).size;
      const ackedWith = await closedLoop(server.url, withHooks.apiKey, clients, options.roundSeconds);
      lost += (await delivered(receivers, ackedWith)).lost;
      const pair = { without: plain / options.roundSeconds, with: ackedWith.size / options.roundSeconds };
      rounds.push(pair);
      log(
        `webhooks round ${round + 1}: ${pair.with.toFixed(0)} merges/s with ${webhookEndpoints} endpoints, ${pair.without.toFixed(0)} without (${(pair.with / pair.without).toFixed(3)}×)`,
      );
    }
    const withoutRps = median(rounds.map((r) => r.without));
    const pacedRate = Math.max(1, Math.round(withoutRps / 2));
    const yieldsBefore = await yieldsSoFar(server.url);
    const [cpuBefore, generatorBefore, startedAt] = [cpuSeconds(server.pid), process.cpuUsage(), performance.now()];
    const ackedPaced = await paced(server.url, withHooks.apiKey, pacedRate, options.pacedSeconds);
    const elapsed = (performance.now() - startedAt) / 1000;
    const generator = process.cpuUsage(generatorBefore);
    const pacedCpuPercent = {
      attrql: ((cpuSeconds(server.pid) - cpuBefore) / elapsed) * 100,
      generator: ((generator.user + generator.system) / 1e6 / elapsed) * 100,
    };
    const paid = await delivered(receivers, ackedPaced);
    const yieldsAfter = await yieldsSoFar(server.url);
    const pacedYields = {
      requests: yieldsAfter.requests - yieldsBefore.requests,
      cpu: yieldsAfter.cpu - yieldsBefore.cpu,
    };
    lost += paid.lost;
    const delays = paid.delays.sort((a, b) => a - b);
    const result: WebhookResult = {
      endpoints: webhookEndpoints,
      rounds,
      withoutRps,
      withRps: median(rounds.map((r) => r.with)),
      ratio: median(rounds.map((r) => r.with / r.without)),
      pacedRate,
      pacedSeconds: options.pacedSeconds,
      p50: quantile(delays, 0.5),
      p99: quantile(delays, 0.99),
      max: quantile(delays, 1),
      pacedCpuPercent,
      pacedYields,
      lost,
      duplicates: receivers.reduce((sum, r) => sum + r.duplicates, 0),
    };
    log(
      `webhooks paced ${pacedRate}/s × ${options.pacedSeconds} s: delivery p50 ${result.p50.toFixed(0)} ms, p99 ${result.p99.toFixed(0)} ms; CPU attrql ${pacedCpuPercent.attrql.toFixed(0)}%, load generator ${pacedCpuPercent.generator.toFixed(0)}%; ${pacedYields.requests} + ${pacedYields.cpu} (requests + cpu) of ${ackedPaced.size * webhookEndpoints} deliveries yielded; lost ${lost}, duplicates ${result.duplicates}`,
    );
    return result;
  } finally {
    await options.stop(server);
    for (const receiver of receivers) {
      receiver.server.closeAllConnections();
      receiver.server.close();
    }
  }
}
