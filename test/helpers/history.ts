import { expect } from 'vitest';
import { yoga } from '../../src/server.ts';
import { expectData, type GraphQLResponse, gql } from './graphql.ts';
import { type PersonJson, readPerson } from './persons.ts';
import { valuesOf } from './user-attributes.ts';
import { getMetadata } from './uuid-metadata.ts';

/** Change history (CONTRACT §10): documents, readers that follow every page, and a replay of the feed. */

export const changeFields = 'cursor personId kind eTag at actor { kind id } entries { area bucket name before after }';

export type Area = 'ATTRIBUTE' | 'UUID_METADATA' | 'USER_ATTRIBUTE' | 'PERSON';

export interface EntryJson {
  area: Area;
  bucket: string | null;
  name: string;
  before: unknown;
  after: unknown;
}

export interface ChangeJson {
  cursor: string;
  personId: string;
  kind: 'CREATED' | 'UPDATED' | 'DELETED';
  eTag: string | null;
  at: string;
  actor: { kind: 'API_KEY' | 'PERSON'; id: string };
  entries: EntryJson[];
}

export interface ChangePageJson {
  edges: { cursor: string; node: ChangeJson }[];
  nodes: ChangeJson[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

const connection = `edges { cursor node { ${changeFields} } } nodes { ${changeFields} } pageInfo { hasNextPage endCursor }`;

export const personChangesDoc = `query Feed($first: Int, $after: String, $personId: ID, $areas: [ChangeArea!]) {
  personChanges(first: $first, after: $after, personId: $personId, areas: $areas) { ${connection} }
}`;

export const historyDoc = `query History($id: ID!, $first: Int, $after: String, $area: ChangeArea, $bucket: String, $name: String) {
  person(id: $id) { eTag history(first: $first, after: $after, area: $area, bucket: $bucket, name: $name) { ${connection} } }
}`;

export const myHistoryDoc = `query MyHistory($first: Int, $after: String, $area: ChangeArea, $bucket: String, $name: String) {
  me { id history(first: $first, after: $after, area: $area, bucket: $bucket, name: $name) { ${connection} } }
}`;

export interface FeedArgs {
  first?: number;
  after?: string | null;
  personId?: string;
  areas?: Area[];
}

/** Checks what every connection must hold: edges and nodes agree, endCursor is the last edge's cursor. */
export function checkPage(page: ChangePageJson): void {
  expect(page.edges.map((edge) => edge.node)).toEqual(page.nodes);
  for (const edge of page.edges) expect(edge.cursor).toBe(edge.node.cursor);
  expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)?.cursor ?? null);
}

export function feedPage(
  auth: string,
  args: FeedArgs = {},
): Promise<GraphQLResponse<{ personChanges: ChangePageJson }>> {
  return gql<{ personChanges: ChangePageJson }>(personChangesDoc, { ...args }, { auth });
}

/**
 * Every change of `personChanges` after `args.after`, following endCursor page by page (hasNextPage must be
 * false exactly on the last page). Returns the changes and the cursor to resume from.
 */
export async function readFeed(
  auth: string,
  args: FeedArgs = {},
): Promise<{ changes: ChangeJson[]; endCursor: string | null; pages: number }> {
  const changes: ChangeJson[] = [];
  let after = args.after ?? null;
  for (let pages = 1; ; pages += 1) {
    const page = expectData(await feedPage(auth, { ...args, after })).personChanges;
    checkPage(page);
    if (args.first) expect(page.nodes.length).toBeLessThanOrEqual(args.first);
    changes.push(...page.nodes);
    if (page.pageInfo.endCursor) after = page.pageInfo.endCursor;
    if (!page.pageInfo.hasNextPage) return { changes, endCursor: after, pages };
    expect(page.nodes.length, 'a page with a next page is full').toBe(args.first ?? 100);
  }
}

export interface HistoryArgs {
  first?: number;
  after?: string | null;
  area?: Area;
  bucket?: string;
  name?: string;
}

/** Every change of `person(id).history`, newest first, following endCursor. */
export async function readHistory(auth: string, id: string, args: HistoryArgs = {}): Promise<ChangeJson[]> {
  const changes: ChangeJson[] = [];
  let after = args.after ?? null;
  for (;;) {
    const data = expectData(
      await gql<{ person: { history: ChangePageJson } | null }>(historyDoc, { id, ...args, after }, { auth }),
    );
    const page = data.person?.history as ChangePageJson;
    checkPage(page);
    changes.push(...page.nodes);
    if (!page.pageInfo.hasNextPage) return changes;
    after = page.pageInfo.endCursor;
  }
}

/** Every change of `me { history }` for a person token, newest first. */
export async function readMyHistory(token: string, args: HistoryArgs = {}): Promise<ChangeJson[]> {
  const changes: ChangeJson[] = [];
  let after = args.after ?? null;
  for (;;) {
    const data = expectData(
      await gql<{ me: { history: ChangePageJson } }>(myHistoryDoc, { ...args, after }, { auth: token }),
    );
    checkPage(data.me.history);
    changes.push(...data.me.history.nodes);
    if (!data.me.history.pageInfo.hasNextPage) return changes;
    after = data.me.history.pageInfo.endCursor;
  }
}

/** The cursor after everything the organization's feed holds now (null when it is empty). */
export async function feedEnd(auth: string): Promise<string | null> {
  return (await readFeed(auth)).endCursor;
}

/**
 * Follows an organization's feed: `next()` returns what was recorded since the previous call (or since the
 * follower was made).
 */
export async function followFeed(auth: string) {
  let cursor = await feedEnd(auth);
  return {
    async next(): Promise<ChangeJson[]> {
      const { changes, endCursor } = await readFeed(auth, { after: cursor });
      cursor = endCursor;
      return changes;
    },
    get cursor() {
      return cursor;
    },
  };
}

/** Entries in a fixed order (area, bucket, name), for comparisons that do not care how a change lists them. */
export function sortedEntries(entries: readonly EntryJson[]): EntryJson[] {
  const key = (entry: EntryJson) => `${entry.area}\u0000${entry.bucket ?? ''}\u0000${entry.name}`;
  return [...entries].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** An expected entry; bucket only for ATTRIBUTE. */
export const entry = (area: Area, name: string, before: unknown, after: unknown, bucket: string | null = null) => ({
  area,
  bucket,
  name,
  before,
  after,
});
export const attr = (bucket: string, name: string, before: unknown, after: unknown) =>
  entry('ATTRIBUTE', name, before, after, bucket);
export const personEntry = (name: string, before: unknown, after: unknown) => entry('PERSON', name, before, after);
export const metaEntry = (name: string, before: unknown, after: unknown) => entry('UUID_METADATA', name, before, after);
export const userEntry = (name: string, before: unknown, after: unknown) =>
  entry('USER_ATTRIBUTE', name, before, after);

/** The cursor's decoded text ("v1:<txid>:<id>:<ms>"), for order checks. */
export function cursorPosition(cursor: string): { txid: bigint; id: bigint; at: number } {
  const match = /^v1:(\d+):(\d+):(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new Error(`not a change cursor: ${cursor}`);
  return { txid: BigInt(match[1] as string), id: BigInt(match[2] as string), at: Number(match[3]) };
}

/** -1, 0 or 1 as cursor a sorts before, with or after cursor b in the log's order. */
export function compareCursors(a: string, b: string): number {
  const [x, y] = [cursorPosition(a), cursorPosition(b)];
  if (x.txid !== y.txid) return x.txid < y.txid ? -1 : 1;
  if (x.id !== y.id) return x.id < y.id ? -1 : 1;
  return 0;
}

export const craftCursor = (txid: number | string, id: number | string, ms: number) =>
  Buffer.from(`v1:${txid}:${id}:${ms}`).toString('base64url');

/** What a replay of the feed knows of one person. */
export interface ReplayedPerson {
  person: Record<string, unknown>;
  attributes: Record<string, Record<string, unknown>>;
  uuidMetadata: Record<string, unknown>;
  userValues: Record<string, unknown>;
}

/**
 * Replays changes (oldest first) into each person's state. Every entry's `before` must be what the replay
 * holds at that point (null when absent): a change missed, repeated or out of order shows up as a mismatch.
 * Absent and JSON null are the same to the log (`after: null`), so a null `after` removes the value.
 */
export function replay(changes: readonly ChangeJson[], into = new Map<string, ReplayedPerson>()) {
  const set = (target: Record<string, unknown>, name: string, value: unknown) => {
    if (value === null) delete target[name];
    else target[name] = value;
  };
  for (const change of changes) {
    const where = `change ${change.cursor} (${change.kind} ${change.personId})`;
    if (change.kind === 'DELETED') {
      expect(into.has(change.personId), `${where}: deleted a person the replay does not have`).toBe(true);
      expect(change.entries).toEqual([]);
      expect(change.eTag).toBeNull();
      into.delete(change.personId);
      continue;
    }
    if (change.kind === 'CREATED') {
      expect(into.has(change.personId), `${where}: created a person the replay already has`).toBe(false);
      into.set(change.personId, { person: {}, attributes: {}, uuidMetadata: {}, userValues: {} });
    }
    const state = into.get(change.personId);
    expect(state, `${where}: updated a person the replay does not have`).toBeDefined();
    if (!state) continue;
    expect(change.entries.length, `${where}: has no entries`).toBeGreaterThan(0);
    for (const e of change.entries) {
      let target: Record<string, unknown>;
      if (e.area === 'ATTRIBUTE') {
        expect(e.bucket, where).toEqual(expect.any(String));
        state.attributes[e.bucket as string] ??= {};
        target = state.attributes[e.bucket as string] as Record<string, unknown>;
      } else {
        expect(e.bucket, where).toBeNull();
        target =
          e.area === 'PERSON' ? state.person : e.area === 'UUID_METADATA' ? state.uuidMetadata : state.userValues;
      }
      // PERSON lists (roles, groups, handles) are [] once the person exists (a CREATED change leaves empty ones out).
      const absent = change.kind === 'UPDATED' && e.area === 'PERSON' && e.name !== 'active' ? [] : null;
      expect(e.before, `${where}: before of ${e.area} ${e.bucket ?? ''} ${e.name}`).toEqual(target[e.name] ?? absent);
      expect(e.after, `${where}: ${e.area} ${e.bucket ?? ''} ${e.name} did not change`).not.toEqual(e.before);
      set(target, e.name, e.after);
    }
  }
  return into;
}

/** The bucket contents without empty buckets, as `person { attributes }` shows them minus `{}` buckets. */
export function nonEmptyBuckets(buckets: Record<string, Record<string, unknown>>) {
  return Object.fromEntries(Object.entries(buckets).filter(([, values]) => Object.keys(values).length > 0));
}

/** Each of `ids` as a replay of the feed left it equals the person as stored, read back through GraphQL. */
export async function expectReplayedAsStored(
  auth: string,
  replayed: Map<string, ReplayedPerson>,
  ids: readonly string[],
): Promise<void> {
  for (const id of ids) {
    const state = replayed.get(id);
    const person = (await readPerson(auth, id)) as PersonJson;
    expect(nonEmptyBuckets(state?.attributes ?? {}), id).toEqual(nonEmptyBuckets(person.attributes ?? {}));
    expect(state?.person.active, id).toBe(person.active);
    expect(state?.person.groups ?? [], id).toEqual([...person.groups].sort());
    expect(state?.person.roles ?? [], id).toEqual([...person.roles].sort());
    expect(state?.person.handles ?? [], id).toEqual(person.handles);
    const metadata = await getMetadata(auth, id);
    const fields = metadata
      ? Object.fromEntries(
          (['name', 'externalId', 'profileUrl', 'email', 'type', 'status', 'custom'] as const)
            .filter((field) => metadata[field] !== null)
            .map((field) => [field, metadata[field]]),
        )
      : {};
    expect(state?.uuidMetadata, id).toEqual(fields);
    const own = (await valuesOf(auth, id, { allValues: true })).filter((v) => v.source === 'USER');
    expect(state?.userValues, id).toEqual(Object.fromEntries(own.map((v) => [v.name, v.value])));
  }
}

/** One request to a REST endpoint of the in-process server (yoga.fetch), as the vendor's client sends it. */
export async function rest(
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: unknown } = {},
): Promise<{ status: number; body: unknown }> {
  const body =
    options.body === undefined
      ? undefined
      : typeof options.body === 'string'
        ? options.body
        : JSON.stringify(options.body);
  const response = await yoga.fetch(`http://attrql.test${path}`, { method, headers: options.headers, body });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}
