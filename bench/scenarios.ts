// The benchmark's scenarios: for each, the request attrql gets (GraphQL over HTTP) and the one the baseline
// gets (its own route, same inputs), built per request by the load generators.
import { benchBucket, mergeKeys, personId } from './fixture.ts';
import { type DeliveryTracker, fanoutSubscribers, liveSubscribers } from './live.ts';

export type Target = 'attrql' | 'baseline';

export const scenarioIds = [
  'merge',
  'person',
  'person-light',
  'persons',
  'uuid-metadata',
  'my-attributes',
  'merge-rate-limited',
  'merge-two-processes',
  'merge-live-ref',
  'merge-live',
  'merge-live-all',
  'merge-fanout',
  'merge-metrics-off',
  'person-metrics-off',
  'merge-tracing',
  'person-tracing',
  'person-replica',
  'merge-pgbouncer',
  'person-pgbouncer',
  'merge-webhooks',
  'person-light-postgraphile',
] as const;
export type ScenarioId = (typeof scenarioIds)[number];

/** What the load generator knows about the seeded data. */
export interface LoadData {
  apiKey: string;
  persons: number;
  /** Person tokens (scenario 5), each for its own person. */
  tokens: string[];
  /** Current UUID metadata eTag by person id (scenario 4); the generator keeps it current from responses. */
  metadataETags: Record<string, string>;
  /** The seeded organization (the PostGraphile peer has no API key: it is asked for the organization's rows). */
  orgId?: string;
  /** Fan-out scenario (issue 23): API keys of a second organization, whose feed the idle subscribers follow. */
  subscriberKeys?: string[];
}

/** Per-connection state (autocannon keeps one context per connection). */
export interface ConnectionContext {
  /** The person the connection's request in flight writes (scenario 4). */
  pending?: string;
  /** The merge in flight, by its sequence number in `SharedState.live` (scenario 8). */
  seq?: number;
}

export interface BuiltRequest {
  path: string;
  body: string;
  authorization: string;
}

export interface Scenario {
  id: ScenarioId;
  /** Number and name as issue 8 lists them. */
  title: string;
  /** The scenario attrql's baseline twin runs on; null when it is compared with another attrql scenario. */
  hasBaseline: boolean;
  build(target: Target, data: LoadData, context: ConnectionContext, shared: SharedState): BuiltRequest;
  /** The eTag a response carries (scenario 4), to keep `metadataETags` current. */
  responseETag?(target: Target, body: string): string | null;
}

/** State shared by every connection of one load generator. */
export interface SharedState {
  /** Persons no request is writing right now (scenario 4), oldest first. */
  free: string[];
  counter: number;
  /** Scenarios 8 and 8b: the merges sent and their deliveries to the live subscribers. */
  live?: DeliveryTracker;
  /** Scenario 8 (and its reference): the persons the subscribers follow, subscriber i the i-th. */
  followed: string[];
}

export function sharedState(data: LoadData): SharedState {
  return { free: Object.keys(data.metadataETags), counter: 0, followed: followedPersons(data.persons) };
}

/**
 * Scenario 8: the persons its subscribers follow, one each (`liveSubscribers`, fewer when fewer are seeded),
 * spread evenly over the seeded ones; its merges go to these persons only.
 */
export function followedPersons(persons: number): string[] {
  const n = Math.min(liveSubscribers, persons);
  return Array.from({ length: n }, (_, i) => personId(Math.floor((i * persons) / n)));
}

export const graphqlPath = '/graphql';

const randomPerson = (data: LoadData) => personId(Math.floor(Math.random() * data.persons));
const gql = (query: string, variables: Record<string, unknown>) => JSON.stringify({ query, variables });

export const mergeQuery = `mutation Merge($personId: ID!, $attributes: JSONObject!) { updatePersonAttributes(input: { personId: $personId, bucket: "${benchBucket}", attributes: $attributes }) { person { id eTag } attributes } }`;
export const personQuery =
  'query Person($id: ID!) { person(id: $id) { id eTag attributes attributeValues { name value source } } }';
export const personLightQuery = 'query PersonLight($id: ID!) { person(id: $id) { id eTag attributes } }';
/**
 * Scenario 2b's read as PostGraphile 5 (amber preset) serves it over attrql's tables: the person's row (its `id`
 * column is `rowId` there) and its attribute rows, what attrql's `person { id eTag attributes }` reads.
 */
export const postgraphilePersonLightQuery =
  'query PersonLight($orgId: String!, $id: String!) { personByOrgIdAndRowId(orgId: $orgId, rowId: $id) { rowId eTag personAttributesByOrgIdAndPersonId { nodes { bucket name value } } } }';
export const personsQuery =
  'query Persons($first: Int!) { persons(first: $first) { nodes { id groups roles attributes attributeValues { name value source } } } }';
const metadataQuery =
  'mutation SetMetadata($uuid: ID!, $name: String, $custom: JSONObject, $ifMatch: String) { setUuidMetadata(input: { uuid: $uuid, name: $name, custom: $custom, ifMatch: $ifMatch }) { uuidMetadata { id eTag updated } } }';
const myAttributesQuery =
  'mutation MyAttributes($attributes: JSONObject!) { updateMyAttributes(input: { attributes: $attributes }) { attributes } }';

function mergeRequest(target: Target, data: LoadData): BuiltRequest {
  const id = randomPerson(data);
  const attributes = mergeKeys();
  return target === 'attrql'
    ? { path: graphqlPath, body: gql(mergeQuery, { personId: id, attributes }), authorization: data.apiKey }
    : {
        path: '/merge',
        body: JSON.stringify({ personId: id, bucket: benchBucket, attributes }),
        authorization: data.apiKey,
      };
}

/**
 * Scenarios 8, 8b and 8's reference: scenario 1's merge (3 of the 20 keys), one of the three values unique to the
 * request (`<tag>-<seq>`), so each subscriber's event can be matched to the request and its send time.
 * `followed`: on a random one of the followed persons (8 and its reference; the subscriber following it is the
 * one that should get it); otherwise on a random person (8b: every subscriber should get it).
 */
const liveMergeRequest =
  (followed: boolean) =>
  (_target: Target, data: LoadData, context: ConnectionContext, shared: SharedState): BuiltRequest => {
    const attributes = mergeKeys();
    const key = Object.keys(attributes)[0] as string;
    const subscriber = followed ? Math.floor(Math.random() * shared.followed.length) : -1;
    const person = followed ? (shared.followed[subscriber] as string) : randomPerson(data);
    if (shared.live) {
      const { seq, value } = shared.live.next(subscriber);
      context.seq = seq;
      attributes[key] = value;
    } else {
      shared.counter += 1;
      attributes[key] = `live-${process.pid}-${shared.counter}`;
    }
    return { path: graphqlPath, body: gql(mergeQuery, { personId: person, attributes }), authorization: data.apiKey };
  };

const read =
  (query: string, route: string) =>
  (target: Target, data: LoadData): BuiltRequest => {
    const id = randomPerson(data);
    return target === 'attrql'
      ? { path: graphqlPath, body: gql(query, { id }), authorization: data.apiKey }
      : { path: route, body: JSON.stringify({ id }), authorization: data.apiKey };
  };

/**
 * A person is written by one request at a time: requests take persons from the shared queue of free ones and
 * `afterResponse` puts them back with their new eTag, so every ifMatch is the current eTag.
 */
function metadataRequest(
  target: Target,
  data: LoadData,
  context: ConnectionContext,
  shared: SharedState,
): BuiltRequest {
  const uuid = shared.free.shift() ?? personId(Math.floor(Math.random() * data.persons));
  context.pending = uuid;
  shared.counter += 1;
  const input = {
    uuid,
    name: `Name ${shared.counter}`,
    custom: { score: shared.counter, vip: shared.counter % 2 === 0 },
    ifMatch: data.metadataETags[uuid] ?? null,
  };
  return target === 'attrql'
    ? { path: graphqlPath, body: gql(metadataQuery, input), authorization: data.apiKey }
    : { path: '/uuid-metadata', body: JSON.stringify(input), authorization: data.apiKey };
}

function myAttributesRequest(target: Target, data: LoadData): BuiltRequest {
  const token = data.tokens[Math.floor(Math.random() * data.tokens.length)] as string;
  const attributes = mergeKeys();
  return target === 'attrql'
    ? { path: graphqlPath, body: gql(myAttributesQuery, { attributes }), authorization: token }
    : { path: '/my-attributes', body: JSON.stringify({ attributes }), authorization: token };
}

function metadataETag(target: Target, body: string): string | null {
  try {
    const parsed = JSON.parse(body) as {
      data?: { setUuidMetadata?: { uuidMetadata?: { eTag?: string } }; uuidMetadata?: { eTag?: string } };
    };
    const eTag =
      target === 'attrql' ? parsed.data?.setUuidMetadata?.uuidMetadata?.eTag : parsed.data?.uuidMetadata?.eTag;
    return eTag ?? null;
  } catch {
    return null;
  }
}

export const scenarios: Record<ScenarioId, Scenario> = {
  merge: { id: 'merge', title: '1 merge 3 keys', hasBaseline: true, build: mergeRequest },
  person: { id: 'person', title: '2 person + attributeValues', hasBaseline: true, build: read(personQuery, '/person') },
  'person-light': {
    id: 'person-light',
    title: '2b person { id eTag attributes }',
    hasBaseline: true,
    build: read(personLightQuery, '/person-light'),
  },
  persons: {
    id: 'persons',
    title: '3 persons(first: 100)',
    hasBaseline: true,
    build: (target, data) =>
      target === 'attrql'
        ? { path: graphqlPath, body: gql(personsQuery, { first: 100 }), authorization: data.apiKey }
        : { path: '/persons', body: JSON.stringify({ first: 100 }), authorization: data.apiKey },
  },
  'uuid-metadata': {
    id: 'uuid-metadata',
    title: '4 setUuidMetadata + ifMatch',
    hasBaseline: true,
    build: metadataRequest,
    responseETag: metadataETag,
  },
  'my-attributes': {
    id: 'my-attributes',
    title: '5 updateMyAttributes (token)',
    hasBaseline: true,
    build: myAttributesRequest,
  },
  'merge-rate-limited': {
    id: 'merge-rate-limited',
    title: '6 merge, rate limit on',
    hasBaseline: false,
    build: mergeRequest,
  },
  'merge-two-processes': {
    id: 'merge-two-processes',
    title: '7 merge, 2 processes, 1 SQLite file',
    hasBaseline: false,
    build: mergeRequest,
  },
  'merge-live-ref': {
    id: 'merge-live-ref',
    title: "8 ref: 8's merges, no subscribers",
    hasBaseline: false,
    build: liveMergeRequest(true),
  },
  'merge-live': {
    id: 'merge-live',
    title: '8 merge, 100 subscribers, 1 person each',
    hasBaseline: false,
    build: liveMergeRequest(true),
  },
  'merge-live-all': {
    id: 'merge-live-all',
    title: '8b merge, 100 subscribers to the whole feed',
    hasBaseline: false,
    build: liveMergeRequest(false),
  },
  'merge-fanout': {
    id: 'merge-fanout',
    title: `9 merge, ${fanoutSubscribers.toLocaleString('en-US')} subscribers in another organization`,
    hasBaseline: false,
    build: mergeRequest,
  },
  'merge-metrics-off': {
    id: 'merge-metrics-off',
    title: '10 merge, ATTRQL_METRICS=false',
    hasBaseline: false,
    build: mergeRequest,
  },
  'person-metrics-off': {
    id: 'person-metrics-off',
    title: '10b person, ATTRQL_METRICS=false',
    hasBaseline: false,
    build: read(personQuery, '/person'),
  },
  'merge-tracing': {
    id: 'merge-tracing',
    title: '11 merge, tracing on (always_on)',
    hasBaseline: false,
    build: mergeRequest,
  },
  'person-tracing': {
    id: 'person-tracing',
    title: '11b person, tracing on (always_on)',
    hasBaseline: false,
    build: read(personQuery, '/person'),
  },
  'person-replica': {
    id: 'person-replica',
    title: '12 person, 1 streaming replica',
    hasBaseline: false,
    build: read(personQuery, '/person'),
  },
  'merge-pgbouncer': {
    id: 'merge-pgbouncer',
    title: '13 merge through PgBouncer',
    hasBaseline: false,
    build: mergeRequest,
  },
  'person-pgbouncer': {
    id: 'person-pgbouncer',
    title: '13b person through PgBouncer',
    hasBaseline: false,
    build: read(personQuery, '/person'),
  },
  // Measured by bench/webhook-scenario.ts (its own writers and receivers); the request is scenario 1's.
  'merge-webhooks': {
    id: 'merge-webhooks',
    title: '14 merge, 10 webhook endpoints',
    hasBaseline: false,
    build: mergeRequest,
  },
  // Issue 21: the public peer. Its "baseline" side is a PostGraphile 5 server (bench/peer.ts), not bench/baseline.
  'person-light-postgraphile': {
    id: 'person-light-postgraphile',
    title: '15 2b vs PostGraphile 5 (public peer)',
    hasBaseline: true,
    build: (target, data) => {
      const id = randomPerson(data);
      return target === 'attrql'
        ? { path: graphqlPath, body: gql(personLightQuery, { id }), authorization: data.apiKey }
        : { path: graphqlPath, body: gql(postgraphilePersonLightQuery, { orgId: data.orgId, id }), authorization: '' };
    },
  },
};

/** The pieces of a response that mean it failed: an HTTP error or a GraphQL `errors` entry. */
export function failureCode(status: number, body: string): string | null {
  if (status < 400 && !body.includes('"errors"')) return null;
  const match = /"code":"([A-Z_]+)"/.exec(body);
  return match?.[1] ?? `HTTP_${status}`;
}
