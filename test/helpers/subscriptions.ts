import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { expect } from 'vitest';
import WebSocket from 'ws';
import { waitFor } from './processes.ts';
import { httpGql } from './server-process.ts';

/**
 * Live changes (CONTRACT §10) over the real transports: raw SSE (fetch), the graphql-sse client, the graphql-ws
 * client. Each subscription is a `Stream` that records what arrived, whatever the transport.
 */

export { waitFor };

export const changeFields = 'cursor personId kind eTag at actor { kind id } entries { area bucket name before after }';

export const personChangesDoc = `subscription Follow($after: String, $personId: ID, $areas: [ChangeArea!]) {
  personChanges(after: $after, personId: $personId, areas: $areas) { ${changeFields} }
}`;
export const myChangesDoc = `subscription Mine($after: String) { myChanges(after: $after) { ${changeFields} } }`;

export const feedDoc = `query Feed($after: String, $personId: ID) {
  personChanges(first: 100, after: $after, personId: $personId) {
    nodes { ${changeFields} } pageInfo { hasNextPage endCursor }
  }
}`;

import type { ChangeJson } from './history.ts';

export type { ChangeJson, EntryJson } from './history.ts';
export interface ErrorJson {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; [key: string]: unknown };
}
export interface ResultJson {
  data?: Record<string, unknown> | null;
  errors?: readonly ErrorJson[];
}

/** What one subscription received, on any transport. */
export class Stream {
  readonly results: ResultJson[] = [];
  /** SSE (raw) only: the `id:` line of each `next` event (undefined when it had none), parallel to `results`. */
  readonly ids: (string | undefined)[] = [];
  /** The protocol's `complete` arrived. */
  completed = false;
  /** The transport failed or closed (a WebSocket close event, a network error, …). */
  failure: unknown = null;
  /** WebSocket: the close code, when the socket closed. */
  closeCode: number | null = null;

  constructor(
    readonly label: string,
    readonly close: () => void,
  ) {}

  get ended(): boolean {
    return this.completed || this.failure !== null;
  }

  /** The changes delivered so far (the payload of personChanges or myChanges). */
  changes(): ChangeJson[] {
    return this.results.flatMap((result) => {
      const change = (result.data?.personChanges ?? result.data?.myChanges) as ChangeJson | undefined;
      return change ? [change] : [];
    });
  }

  errors(): ErrorJson[] {
    return this.results.flatMap((result) => [...(result.errors ?? [])]);
  }

  errorCodes(): (string | undefined)[] {
    return this.errors().map((error) => error.extensions?.code);
  }

  describe(): string {
    return `${this.label}: ${JSON.stringify(this.results).slice(0, 2000)} completed=${this.completed} failure=${String(this.failure)} close=${this.closeCode}`;
  }

  /** Waits until `count` changes arrived (fails at the deadline, or when the stream ended short of them). */
  async waitForChanges(count: number, timeoutMs = 15_000): Promise<ChangeJson[]> {
    await waitFor(
      `${count} changes on ${this.label}`,
      () => {
        if (this.changes().length >= count) return true;
        if (this.ended) throw new Error(`the stream ended before ${count} changes: ${this.describe()}`);
        return false;
      },
      { timeoutMs, intervalMs: 10 },
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${this.describe()}`);
    });
    return this.changes();
  }

  /** Waits until `count` changes of `personId` arrived; returns them. */
  async waitForPerson(personId: string, count: number, timeoutMs = 15_000): Promise<ChangeJson[]> {
    const mine = () => this.changes().filter((change) => change.personId === personId);
    await waitFor(
      `${count} changes of ${personId} on ${this.label}`,
      () => {
        if (mine().length >= count) return true;
        if (this.ended) throw new Error(`the stream ended before ${count} changes of ${personId}: ${this.describe()}`);
        return false;
      },
      { timeoutMs, intervalMs: 10 },
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${this.describe()}`);
    });
    return mine();
  }

  /** Waits until a change matching `predicate` arrived; returns it. */
  async waitForChange(what: string, predicate: (change: ChangeJson) => boolean, timeoutMs = 15_000) {
    return waitFor(
      `${what} on ${this.label}`,
      () => {
        const found = this.changes().find(predicate);
        if (found) return found;
        if (this.ended) throw new Error(`the stream ended without ${what}: ${this.describe()}`);
        return undefined;
      },
      { timeoutMs, intervalMs: 10 },
    );
  }

  /** Waits until the stream ended (complete, close or failure). */
  async waitForEnd(timeoutMs = 15_000): Promise<void> {
    await waitFor(`the end of ${this.label}`, () => this.ended, { timeoutMs, intervalMs: 10 }).catch((error: Error) => {
      throw new Error(`${error.message}\n${this.describe()}`);
    });
  }
}

export interface SubscribeArgs {
  /** Base URL of the server, e.g. http://127.0.0.1:4000 */
  url: string;
  auth?: string;
  query: string;
  variables?: Record<string, unknown>;
  /** More request headers (SSE) — e.g. Last-Event-ID, X-Org-Id. */
  headers?: Record<string, string>;
  label?: string;
}

export interface SseFrame {
  event: string;
  id?: string;
  data: string;
}

/** An incremental parser of an event stream: feed it text as it arrives, get whole events back. */
export function sseParser() {
  let buffer = '';
  return (chunk: string): (SseFrame | 'comment')[] => {
    buffer += chunk;
    const frames: (SseFrame | 'comment')[] = [];
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const frame: SseFrame = { event: 'message', data: '' };
      let fields = 0;
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const name = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        fields += 1;
        if (name === 'event') frame.event = value;
        else if (name === 'id') frame.id = value;
        else if (name === 'data') frame.data += frame.data ? `\n${value}` : value;
      }
      frames.push(fields === 0 ? 'comment' : frame);
    }
    return frames;
  };
}

export interface SseStream extends Stream {
  /** The response's status and headers. */
  response: Promise<{ status: number; headers: Headers }>;
}

/**
 * A subscription over raw SSE (POST with Accept: text/event-stream), recording each `next` event's `id:` line.
 * `fetchImpl` lets in-process tests use yoga.fetch.
 */
export function subscribeSse(args: SubscribeArgs, fetchImpl: typeof fetch = fetch): SseStream {
  const abort = new AbortController();
  const stream = new Stream(args.label ?? 'sse', () => abort.abort()) as SseStream;
  let settle: (value: { status: number; headers: Headers }) => void = () => {};
  let fail: (error: unknown) => void = () => {};
  stream.response = new Promise((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  stream.response.catch(() => {});
  void (async () => {
    try {
      const response = await fetchImpl(`${args.url}/graphql`, {
        method: 'POST',
        signal: abort.signal,
        headers: {
          'content-type': 'application/json',
          accept: 'text/event-stream',
          ...(args.auth ? { authorization: `Bearer ${args.auth}` } : {}),
          ...args.headers,
        },
        body: JSON.stringify({ query: args.query, variables: args.variables ?? {} }),
      });
      settle({ status: response.status, headers: response.headers });
      if (!response.body) throw new Error(`no body (status ${response.status})`);
      const parse = sseParser();
      const decoder = new TextDecoder();
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        for (const frame of parse(decoder.decode(value, { stream: true }))) {
          if (frame === 'comment') continue;
          if (frame.event === 'next') {
            stream.results.push(JSON.parse(frame.data) as ResultJson);
            stream.ids.push(frame.id);
          } else if (frame.event === 'complete') {
            stream.completed = true;
          }
        }
      }
      if (!stream.completed) stream.failure = new Error('the event stream ended without `complete`');
    } catch (error) {
      fail(error);
      stream.failure = error;
    }
  })();
  return stream;
}

/** A subscription through the graphql-sse client (distinct connections mode, no retries). */
export function subscribeGraphqlSse(args: SubscribeArgs & { headersFn?: () => Record<string, string> }): Stream {
  const client = createSseClient({
    url: `${args.url}/graphql`,
    headers: () => ({
      ...(args.auth ? { Authorization: `Bearer ${args.auth}` } : {}),
      ...args.headers,
      ...args.headersFn?.(),
    }),
    retryAttempts: 0,
  });
  let unsubscribe: () => void = () => {};
  const stream = new Stream(args.label ?? 'graphql-sse', () => {
    unsubscribe();
    client.dispose();
  });
  unsubscribe = client.subscribe(
    { query: args.query, variables: args.variables ?? {} },
    {
      next: (result) => {
        stream.results.push(result as ResultJson);
      },
      complete: () => {
        stream.completed = true;
      },
      error: (error) => {
        stream.failure = error ?? new Error('graphql-sse error');
      },
    },
  );
  return stream;
}

/** A graphql-ws client for one credential (connectionParams), without retries: a close is a close. */
export function wsClient(
  url: string,
  connectionParams: Record<string, unknown>,
  onClosed?: (code: number) => void,
  /** false: the socket stays open with no operation on it (lazy clients close it once the last one completes). */
  lazy = true,
) {
  return createWsClient({
    url: `${url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy,
    onNonLazyError: () => {}, // a close is what the tests look at (onClosed), not a log line
    on: { closed: (event) => onClosed?.((event as { code: number }).code) },
  });
}

/**
 * A subscription over graphql-ws: on its own connection (authenticated with `auth` in connectionParams), or on
 * `client` when given.
 */
export function subscribeWs(args: SubscribeArgs & { client?: WsClient; connectionParams?: Record<string, unknown> }) {
  let stream: Stream | null = null;
  const own = args.client
    ? null
    : wsClient(
        args.url,
        args.connectionParams ?? (args.auth ? { Authorization: `Bearer ${args.auth}` } : {}),
        (code) => {
          if (stream) stream.closeCode = code;
        },
      );
  const client = args.client ?? (own as WsClient);
  let unsubscribe: () => void = () => {};
  stream = new Stream(args.label ?? 'graphql-ws', () => {
    unsubscribe();
    void own?.dispose();
  });
  const target = stream;
  unsubscribe = client.subscribe(
    { query: args.query, variables: args.variables ?? {} },
    {
      next: (result) => {
        target.results.push(result as ResultJson);
      },
      complete: () => {
        target.completed = true;
      },
      error: (error) => {
        if (error && typeof error === 'object' && 'code' in error) target.closeCode = (error as { code: number }).code;
        target.failure = error ?? new Error('graphql-ws error');
      },
    },
  );
  return stream;
}

/** Sends one operation over HTTP and returns its data; fails on any error. */
export async function httpData<T = Record<string, unknown>>(
  url: string,
  auth: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const response = await httpGql<T>(url, query, variables, auth);
  expect(response.errors, `${query}: ${JSON.stringify(response.errors)}`).toBeUndefined();
  return response.data as T;
}

/** Every change of the organization's feed after `after` (the personChanges query, page by page). */
export async function readFeed(
  url: string,
  auth: string,
  after: string | null = null,
  personId: string | null = null,
): Promise<{ changes: ChangeJson[]; end: string | null }> {
  const changes: ChangeJson[] = [];
  let cursor = after;
  for (;;) {
    const data = await httpData<{
      personChanges: { nodes: ChangeJson[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
    }>(url, auth, feedDoc, { after: cursor, personId });
    changes.push(...data.personChanges.nodes);
    if (data.personChanges.pageInfo.endCursor) cursor = data.personChanges.pageInfo.endCursor;
    if (!data.personChanges.pageInfo.hasNextPage) return { changes, end: cursor };
  }
}

export const mergeDoc = `mutation Merge($input: UpdatePersonAttributesInput!) {
  updatePersonAttributes(input: $input) { person { id eTag } }
}`;

/** Merges `attributes` into a person's bucket over HTTP. */
export function merge(
  url: string,
  auth: string,
  personId: string,
  bucket: string,
  attributes: Record<string, unknown>,
) {
  return httpData(url, auth, mergeDoc, { input: { personId, bucket, attributes } });
}

export async function createPerson(url: string, auth: string, id: string, attributes?: Record<string, unknown>) {
  await httpData(
    url,
    auth,
    'mutation C($input: CreatePersonInput!) { createPerson(input: $input) { person { id } } }',
    {
      input: { id, ...(attributes ? { attributes } : {}) },
    },
  );
}

export async function mintToken(url: string, auth: string, personId: string, scopes = ['user:attributes:read']) {
  const data = await httpData<{ mintPersonToken: { token: string } }>(
    url,
    auth,
    'mutation M($input: MintPersonTokenInput!) { mintPersonToken(input: $input) { token } }',
    { input: { personId, scopes } },
  );
  return data.mintPersonToken.token;
}

let probes = 0;

/**
 * Makes sure the streams are live (subscribed on the server, so a change committed from now on reaches them):
 * merges a new value into `personId`'s bucket every 150 ms until each stream received a change of that person.
 * A stream without `after` may miss a change committed while it was still starting; this waits that out.
 */
export async function untilLive(
  streams: Stream[],
  write: (value: string) => Promise<unknown>,
  isProbe: (change: ChangeJson) => boolean,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const waiting = streams.filter((stream) => !stream.changes().some(isProbe));
    if (waiting.length === 0) return;
    for (const stream of waiting) {
      if (stream.ended) throw new Error(`ended before it was live: ${stream.describe()}`);
    }
    if (Date.now() > deadline) {
      throw new Error(`not live after ${timeoutMs} ms: ${waiting.map((stream) => stream.describe()).join('\n')}`);
    }
    probes += 1;
    await write(`probe-${probes}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

/** Decodes a change cursor ("v1:<txid>:<id>:<ms>") to compare positions in log order. */
export function compareCursors(a: string, b: string): number {
  const position = (cursor: string) => {
    const match = /^v1:(\d+):(\d+):\d+$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!match) throw new Error(`not a change cursor: ${cursor}`);
    return [BigInt(match[1] as string), BigInt(match[2] as string)] as const;
  };
  const [x, y] = [position(a), position(b)];
  if (x[0] !== y[0]) return x[0] < y[0] ? -1 : 1;
  if (x[1] !== y[1]) return x[1] < y[1] ? -1 : 1;
  return 0;
}

/** Checks that changes come in log order, each once. */
export function expectLogOrder(changes: readonly ChangeJson[], label: string): void {
  for (let i = 1; i < changes.length; i += 1) {
    const [previous, current] = [changes[i - 1] as ChangeJson, changes[i] as ChangeJson];
    expect(compareCursors(previous.cursor, current.cursor), `${label}: ${previous.cursor} then ${current.cursor}`).toBe(
      -1,
    );
  }
}
