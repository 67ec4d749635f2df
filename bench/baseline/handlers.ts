// The baseline's requests: body parse, credential check (API key hash lookup, or a person token), org scoping,
// validation, the store call (one transaction for writes), JSON out. One route per benchmark scenario.
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { resolveValues } from './resolve.ts';
import { BaselineError, type PersonData, type Store } from './store.ts';
import { peekClaims, verifyToken } from './token.ts';
import { attributeRows, bucketIssue, fail, metadataChanges, personIdIssue } from './validate.ts';

export interface Request {
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

type Handler = (store: Store, request: Request) => Promise<unknown>;

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

function bearer(request: Request): string {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  if (!match?.[1]) throw new BaselineError('UNAUTHENTICATED', 'Missing credential.');
  return match[1];
}

function checkOrgHeader(request: Request, orgId: string): void {
  for (const header of ['x-org-id', 'slashid-orgid']) {
    const claimed = request.headers[header];
    if (claimed !== undefined && claimed !== orgId) throw new BaselineError('FORBIDDEN');
  }
}

/** The organization of the request's API key. */
async function apiKeyOrg(store: Store, request: Request): Promise<string> {
  const orgId = await store.apiKeyOrg(sha256(bearer(request)));
  if (!orgId) throw new BaselineError('UNAUTHENTICATED', 'Unknown or revoked API key.');
  checkOrgHeader(request, orgId);
  return orgId;
}

/** The person of the request's person token, which must carry `scope` and belong to an active person. */
async function tokenPerson(
  store: Store,
  request: Request,
  scope: string,
): Promise<{ orgId: string; personId: string }> {
  const token = bearer(request);
  const unverified = peekClaims(token);
  if (typeof unverified?.org !== 'string' || typeof unverified.sub !== 'string') {
    throw new BaselineError('UNAUTHENTICATED', 'Malformed person token.');
  }
  const person = await store.tokenPerson(unverified.org, unverified.sub);
  const claims = person && verifyToken(token, process.env.ATTRQL_TOKEN_SECRET || person.tokenSecret);
  if (!person || !claims) throw new BaselineError('UNAUTHENTICATED', 'Invalid or expired person token.');
  if (!person.active || person.createdAtMs !== claims.pct) throw new BaselineError('UNAUTHENTICATED');
  checkOrgHeader(request, claims.org);
  if (!claims.scope.split(' ').includes(scope)) throw new BaselineError('FORBIDDEN');
  return { orgId: claims.org, personId: claims.sub };
}

function bucketsObject(person: PersonData): Record<string, Record<string, unknown>> {
  const buckets: Record<string, Record<string, unknown>> = {};
  for (const name of person.buckets) buckets[name] = {};
  for (const [bucket, name, value] of person.attributes) {
    const target = buckets[bucket];
    if (target) target[name] = JSON.parse(value);
  }
  return buckets;
}

function attributeValues(person: PersonData) {
  return resolveValues(
    person.userAttributes ?? [],
    person.ownValues ?? new Map(),
    person.groupValues ?? [],
    person.groups ?? [],
  );
}

const objectOf = (rows: [string, string][]) =>
  Object.fromEntries(rows.map(([name, value]) => [name, JSON.parse(value)]));

const optionalString = (value: unknown, path: string): string | null => {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') fail([{ path: [path], message: 'must be a string' }]);
  return value;
};

function requirePersonId(value: unknown, path: string): string {
  const issue = personIdIssue(value, path);
  if (issue) fail([issue]);
  return value as string;
}

const merge: Handler = async (store, request) => {
  const orgId = await apiKeyOrg(store, request);
  const { personId, bucket, attributes, ifMatch } = request.body;
  const issues = [personIdIssue(personId, 'personId'), bucketIssue(bucket)].filter((issue) => issue !== null);
  if (issues.length > 0) fail(issues);
  const rows = attributeRows(attributes, 'attributes');
  const result = await store.merge(
    orgId,
    personId as string,
    bucket as string,
    rows,
    optionalString(ifMatch, 'ifMatch'),
    false,
  );
  return { person: result.person, attributes: objectOf(result.attributes) };
};

const readPerson =
  (withValues: boolean): Handler =>
  async (store, request) => {
    const orgId = await apiKeyOrg(store, request);
    const id = requirePersonId(request.body.id, 'id');
    const person = await store.person(orgId, id, withValues);
    if (!person) return { person: null };
    return {
      person: {
        id: person.id,
        eTag: person.eTag,
        attributes: bucketsObject(person),
        ...(withValues ? { attributeValues: attributeValues(person) } : {}),
      },
    };
  };

const persons: Handler = async (store, request) => {
  const orgId = await apiKeyOrg(store, request);
  const first = request.body.first ?? 20;
  if (typeof first !== 'number' || !Number.isInteger(first) || first < 1 || first > 100) {
    fail([{ path: ['first'], message: 'must be 1–100' }]);
  }
  const page = await store.persons(orgId, first);
  return {
    persons: {
      nodes: page.map((person) => ({
        id: person.id,
        groups: person.groups,
        roles: person.roles,
        attributes: bucketsObject(person),
        attributeValues: attributeValues(person),
      })),
    },
  };
};

const setUuidMetadata: Handler = async (store, request) => {
  const orgId = await apiKeyOrg(store, request);
  const uuid = requirePersonId(request.body.uuid, 'uuid');
  const ifMatch = optionalString(request.body.ifMatch, 'ifMatch');
  const changes = metadataChanges(request.body);
  const row = await store.setMetadata(orgId, uuid, changes, ifMatch);
  return { uuidMetadata: { id: row.id, eTag: row.eTag, updated: row.updated } };
};

const updateMyAttributes: Handler = async (store, request) => {
  const { orgId, personId } = await tokenPerson(store, request, 'user:attributes:write');
  const rows = attributeRows(request.body.attributes, 'attributes');
  const result = await store.merge(orgId, personId, 'end_user_read_write', rows, null, true);
  return { attributes: objectOf(result.attributes) };
};

export const routes: Record<string, Handler> = {
  '/merge': merge,
  '/person': readPerson(true),
  '/person-light': readPerson(false),
  '/persons': persons,
  '/uuid-metadata': setUuidMetadata,
  '/my-attributes': updateMyAttributes,
};
