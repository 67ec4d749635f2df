import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { ChangeJson } from './history.ts';
import { call } from './rest.ts';
import { httpGql, type ServerProcess } from './server-process.ts';
import { personChangesDoc, readFeed, type Stream, subscribeSse, subscribeWs } from './subscriptions.ts';

/**
 * The fault suite's tools (test/fault-*.test.ts): the processes of a private PostgreSQL cluster, a steady load of
 * writes and reads whose every outcome is recorded, and live subscriptions that resume with their last cursor.
 */

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The parent pid of a process (Linux /proc), or undefined when it is gone. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** The postmaster of the cluster in `dataDir` (the first line of its postmaster.pid). */
export function postmasterPid(dataDir: string): number {
  return Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
}

/** The postmaster's children: its backends and background workers. */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((child) => parentOf(child) === pid);
}

/**
 * Freezes the cluster in `dataDir` (SIGSTOP to its postmaster, then to each of its children: only that cluster's
 * processes); the returned function thaws exactly those (SIGCONT).
 */
export function freezeCluster(dataDir: string): () => void {
  const postmaster = postmasterPid(dataDir);
  process.kill(postmaster, 'SIGSTOP'); // first, so it forks no backend the list below would miss
  const frozen = [postmaster, ...childrenOf(postmaster)];
  for (const pid of frozen.slice(1)) process.kill(pid, 'SIGSTOP');
  return () => {
    for (const pid of frozen) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // gone
      }
    }
  };
}

/** Milliseconds until /health answers 200 (polled every 50 ms; fails after `timeoutMs`). */
export async function msUntilHealthy(url: string, timeoutMs = 20_000): Promise<number> {
  const started = performance.now();
  for (;;) {
    const status = await fetch(`${url}/health`).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return Math.round(performance.now() - started);
    if (performance.now() - started > timeoutMs) throw new Error(`/health not 200 after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** One request of the load and how it ended. */
export interface Outcome {
  what: 'merge' | 'read' | 'rest';
  person: string;
  /** The attribute a write set (unique per write), its bucket and value. */
  key?: string;
  bucket?: string;
  value?: number;
  ok: boolean;
  /** The error code (GraphQL extensions.code; REST: SERVICE_UNAVAILABLE for a 503 in the vendor's shape). */
  code?: string;
  message?: string;
  ms: number;
}

export interface LoadTargets {
  url: string;
  apiKey: string;
  orgId: string;
  /** Persons merged into over GraphQL (one writer each) and read. */
  graphqlPersons: string[];
  /** The person written through SlashID's PATCH of its end_user_read_write bucket. */
  restPerson: string;
}

const mergeDoc = `mutation Merge($input: UpdatePersonAttributesInput!) {
  updatePersonAttributes(input: $input) { person { id } }
}`;
const readDoc = 'query Read($id: ID!) { person(id: $id) { id eTag attributes } }';
const bucketDoc = 'query Bucket($id: ID!, $name: String!) { person(id: $id) { bucket(name: $name) } }';

let loads = 0;

/**
 * A steady load until `stop()`: a GraphQL merge writer per person, a reader, and a SlashID PATCH writer, each
 * pausing `pauseMs` between requests. Every write sets a key of its own, so what is stored says which landed.
 */
export function startLoad(targets: LoadTargets, pauseMs = 100) {
  loads += 1;
  const run = loads;
  const outcomes: Outcome[] = [];
  let stopped = false;
  const timed = async (
    outcome: Omit<Outcome, 'ok' | 'ms'>,
    send: () => Promise<Pick<Outcome, 'ok' | 'code' | 'message'>>,
  ) => {
    const started = performance.now();
    let result: Pick<Outcome, 'ok' | 'code' | 'message'>;
    try {
      result = await send();
    } catch (error) {
      result = { ok: false, code: 'TRANSPORT', message: (error as Error).message };
    }
    outcomes.push({ ...outcome, ...result, ms: Math.round(performance.now() - started) });
  };
  const graphql = async (query: string, variables: Record<string, unknown>) => {
    const response = await httpGql(targets.url, query, variables, targets.apiKey);
    const error = response.errors?.[0];
    return error ? { ok: false, code: error.extensions?.code, message: error.message } : { ok: true };
  };
  const loop = async (step: (n: number) => Promise<void>) => {
    for (let n = 0; !stopped; n += 1) {
      await step(n);
      await sleep(pauseMs);
    }
  };
  const workers = [
    ...targets.graphqlPersons.map((person) =>
      loop((n) => {
        const key = `g${run}_${n}`;
        return timed({ what: 'merge', person, key, bucket: 'end_user_no_access', value: n }, () =>
          graphql(mergeDoc, { input: { personId: person, bucket: 'end_user_no_access', attributes: { [key]: n } } }),
        );
      }),
    ),
    loop(() =>
      timed({ what: 'read', person: targets.graphqlPersons[0] as string }, () =>
        graphql(readDoc, { id: targets.graphqlPersons[0] }),
      ),
    ),
    loop(async (n) => {
      const key = `r${run}_${n}`;
      await timed(
        { what: 'rest', person: targets.restPerson, key, bucket: 'end_user_read_write', value: n },
        async () => {
          const response = await call(
            targets.url,
            'PATCH',
            `/persons/${targets.restPerson}/attributes/end_user_read_write`,
            {
              headers: {
                'SlashID-OrgID': targets.orgId,
                'SlashID-API-Key': targets.apiKey,
                'Content-Type': 'application/json',
              },
              body: { [key]: n },
            },
          );
          if (response.status === 204) return { ok: true };
          const errors = (response.body as { errors?: { httpcode: number; message: string }[] } | null)?.errors ?? [];
          // SlashID answers 503 with {errors: [{httpcode: 503, …}]} where attrql says SERVICE_UNAVAILABLE.
          const unavailable = response.status === 503 && errors.every((error) => error.httpcode === 503);
          return {
            ok: false,
            code: unavailable ? 'SERVICE_UNAVAILABLE' : `HTTP_${response.status}`,
            message: errors[0]?.message ?? JSON.stringify(response.body),
          };
        },
      );
    }),
  ];
  return {
    outcomes,
    async stop(): Promise<Outcome[]> {
      stopped = true;
      await Promise.all(workers);
      return outcomes;
    },
  };
}

/**
 * What the contract promises of a load's outcomes, checked against what is stored and the feed: every failure is
 * SERVICE_UNAVAILABLE; every acknowledged write is stored and in the feed; a failed write is not stored, unless
 * attrql said that the database did not confirm its commit (`unconfirmed`). Returns counts for the report.
 */
export async function checkOutcomes(
  targets: LoadTargets,
  outcomes: Outcome[],
  feed: ChangeJson[],
  /** The instance was killed: a request it never answered (TRANSPORT) may or may not have landed. */
  { instanceKilled = false } = {},
) {
  const failures = outcomes.filter((outcome) => !outcome.ok);
  const unanswered = (outcome: Outcome) => instanceKilled && outcome.code === 'TRANSPORT';
  expect(
    failures.filter((outcome) => outcome.code !== 'SERVICE_UNAVAILABLE' && !unanswered(outcome)),
    'every failed request is SERVICE_UNAVAILABLE',
  ).toEqual([]);
  const stored = new Map<string, Record<string, unknown>>();
  for (const outcome of outcomes) {
    if (!outcome.key || !outcome.bucket) continue;
    const id = `${outcome.person}/${outcome.bucket}`;
    if (!stored.has(id)) {
      const response = await httpGql<{ person: { bucket: Record<string, unknown> | null } }>(
        targets.url,
        bucketDoc,
        { id: outcome.person, name: outcome.bucket },
        targets.apiKey,
      );
      expect(response.errors).toBeUndefined();
      stored.set(id, response.data?.person.bucket ?? {});
    }
  }
  const inFeed = new Set(
    feed.flatMap((change) => change.entries.map((entry) => `${change.personId}/${entry.bucket}/${entry.name}`)),
  );
  let unconfirmedStored = 0;
  for (const outcome of outcomes) {
    if (!outcome.key || !outcome.bucket) continue;
    const value = stored.get(`${outcome.person}/${outcome.bucket}`)?.[outcome.key];
    // A write and its change land together: stored exactly when the feed has it.
    const logged = inFeed.has(`${outcome.person}/${outcome.bucket}/${outcome.key}`);
    expect(logged, `${outcome.key}: in the feed exactly when stored`).toBe(value !== undefined);
    if (outcome.ok) {
      expect(value, `acknowledged ${outcome.what} ${outcome.key} is stored`).toBe(outcome.value);
    } else if (value !== undefined && !unanswered(outcome)) {
      expect(outcome.message, `failed ${outcome.what} ${outcome.key} was stored`).toMatch(/did not confirm the commit/);
      unconfirmedStored += 1;
    }
  }
  return {
    requests: outcomes.length,
    acknowledged: outcomes.filter((outcome) => outcome.ok).length,
    unavailable: failures.filter((outcome) => !unanswered(outcome)).length,
    unanswered: failures.filter(unanswered).length,
    unconfirmedStored,
    slowestMs: Math.max(...outcomes.map((outcome) => outcome.ms)),
  };
}

/** The error codes a stream ended with: its `errors` results, or a graphql-ws `error` message's errors. */
function endingCodes(stream: Stream): (string | undefined)[] {
  const codes = stream.errorCodes();
  if (Array.isArray(stream.failure)) {
    for (const error of stream.failure as { extensions?: { code?: string } }[]) codes.push(error.extensions?.code);
  }
  return codes;
}

/**
 * A subscriber of the organization's personChanges that, whenever its stream ends, checks that it ended with a
 * resumable error (SERVICE_UNAVAILABLE) and subscribes again after the last cursor it received.
 */
export class Follower {
  readonly received: ChangeJson[] = [];
  /** How each stream ended: its error codes, or the transport failure. */
  readonly endings: string[] = [];
  private stream: Stream;
  private watching: Promise<void>;
  private stopped = false;
  private resumeWanted = false;

  constructor(
    private readonly transport: 'sse' | 'ws',
    private readonly url: string,
    private readonly apiKey: string,
    private cursor: string | null,
  ) {
    this.stream = this.subscribe();
    this.watching = this.watch();
  }

  private subscribe(): Stream {
    const args = {
      url: this.url,
      auth: this.apiKey,
      query: personChangesDoc,
      variables: { after: this.cursor },
      label: this.transport,
    };
    return this.transport === 'sse' ? subscribeSse(args) : subscribeWs(args);
  }

  private take(stream: Stream, from: number): number {
    const changes = stream.changes();
    for (const change of changes.slice(from)) {
      this.received.push(change);
      this.cursor = change.cursor;
    }
    return changes.length;
  }

  private async watch(): Promise<void> {
    let taken = 0;
    while (!this.stopped) {
      taken = this.take(this.stream, taken);
      if (this.resumeWanted) {
        this.resumeWanted = false;
        this.stream.close();
        this.stream = this.subscribe();
        taken = 0;
      } else if (this.stream.ended) {
        const codes = endingCodes(this.stream);
        this.endings.push(codes.length > 0 ? codes.join(',') : `transport: ${String(this.stream.failure)}`);
        this.stream.close();
        await sleep(200);
        this.stream = this.subscribe();
        taken = 0;
      }
      await sleep(20);
    }
  }

  /** Drops its stream and subscribes again after the last cursor it received, as a client that reconnects. */
  resume(): void {
    this.resumeWanted = true;
  }

  /** Waits until it received `count` changes, then ends its stream. */
  async finish(count: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count && Date.now() < deadline) await sleep(50);
    this.stopped = true;
    await this.watching;
    this.stream.close();
  }
}

/** Followers' checks: each ending was resumable, and together they received the feed exactly once, in order. */
export function checkFollowers(followers: Follower[], feed: ChangeJson[]): void {
  const expected = feed.map((change) => change.cursor);
  for (const follower of followers) {
    expect(
      follower.endings.filter((ending) => ending !== 'SERVICE_UNAVAILABLE'),
      'streams end resumably',
    ).toEqual([]);
    expect(
      follower.received.map((change) => change.cursor),
      'resumed subscriptions miss nothing, repeat nothing',
    ).toEqual(expected);
  }
}

/** The feed after `cursor`, read in full once the database is back. */
export async function feedAfter(url: string, apiKey: string, cursor: string | null): Promise<ChangeJson[]> {
  return (await readFeed(url, apiKey, cursor)).changes;
}

/** The server process is still the one started: it never exited. */
export function expectAlive(server: ServerProcess): void {
  expect(
    { exitCode: server.process.exitCode, signal: server.process.signalCode },
    `attrql exited:\n${server.logs().slice(-3000)}`,
  ).toEqual({ exitCode: null, signal: null });
}
