// SQL statements per request: attrql in-process (its `yoga` and `statementCounter`), each scenario's request sent
// once through yoga.fetch after one warm-up request of the same kind. Run as a child process with DATABASE_URL
// set (the database client reads it at import): `node --import tsx bench/statements.ts <job.json>`.
import { readFileSync } from 'node:fs';
import { type LoadData, personsQuery, type ScenarioId, scenarios, sharedState } from './scenarios.ts';

export interface StatementsJob {
  data: LoadData;
  scenarios: ScenarioId[];
  /** Page sizes for which persons(first: n) is counted too. */
  pageSizes: number[];
}

export type StatementCounts = Record<string, number>;

const job = JSON.parse(readFileSync(process.argv[2] as string, 'utf8')) as StatementsJob;
const { yoga } = await import('../src/server.ts');
const { statementCounter } = await import('../src/db/statement-counter.ts');

/** Sends one request through yoga; throws unless it succeeded. */
async function send(path: string, body: string, authorization: string): Promise<string> {
  const response = await yoga.fetch(`http://bench${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${authorization}` },
    body,
  });
  const text = await response.text();
  if (response.status !== 200 || text.includes('"errors"')) throw new Error(`${path}: ${text.slice(0, 300)}`);
  return text;
}

/** Builds the scenario's request twice: the first is the warm-up, the second is counted. */
async function countScenario(id: ScenarioId): Promise<number> {
  const shared = sharedState(job.data);
  const scenario = scenarios[id];
  const once = async (measure: boolean) => {
    const built = scenario.build('attrql', job.data, {}, shared);
    const run = () => send(built.path, built.body, built.authorization);
    if (!measure) {
      const text = await run();
      // Scenario 4: the next request must carry the eTag this one produced.
      const eTag = scenario.responseETag?.('attrql', text);
      const uuid = built.body.match(/"uuid":"([^"]+)"/)?.[1];
      if (eTag && uuid) {
        job.data.metadataETags[uuid] = eTag;
        shared.free.unshift(uuid);
      }
      return 0;
    }
    return (await statementCounter.measure(run)).count;
  };
  await once(false);
  return once(true);
}

const counts: StatementCounts = {};
for (const id of job.scenarios) counts[id] = await countScenario(id);
for (const first of job.pageSizes) {
  const body = JSON.stringify({ query: personsQuery, variables: { first } });
  await send('/graphql', body, job.data.apiKey);
  counts[`persons(first: ${first})`] = (
    await statementCounter.measure(() => send('/graphql', body, job.data.apiKey))
  ).count;
}
process.stdout.write(`${JSON.stringify(counts)}\n`);
process.exit(0);
