// What the baseline server asks of a database. Two implementations: sqlite.ts (better-sqlite3) and
// postgres.ts (pg), each with its own prepared statements on attrql's tables.
import type { MetadataChanges } from './uuid-metadata.ts';

export type ErrorCode = 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'PRECONDITION_FAILED' | 'BAD_USER_INPUT';

const statusOf: Record<ErrorCode, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  PRECONDITION_FAILED: 412,
  BAD_USER_INPUT: 400,
};

export class BaselineError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string = code,
  ) {
    super(message);
    this.status = statusOf[code];
  }
}

export interface TokenPerson {
  active: boolean;
  createdAtMs: number;
  tokenSecret: string;
}

export interface UserAttributeRow {
  id: string;
  name: string;
  defaultValue: string | null;
  valueIsHidden: boolean;
}

export interface GroupValueRow {
  userAttributeId: string;
  groupName: string;
  value: string;
  rank: number;
}

/** Everything a person read may need, as rows. */
export interface PersonData {
  id: string;
  eTag: string;
  /** Every bucket of the organization, by name. */
  buckets: string[];
  /** The person's attributes: [bucket, name, JSON text], any order. */
  attributes: [string, string, string][];
  groups?: string[];
  roles?: string[];
  /** For attributeValues: the organization's user attributes by name, own values, group values of the groups. */
  userAttributes?: UserAttributeRow[];
  ownValues?: Map<string, string>;
  groupValues?: GroupValueRow[];
}

export interface MergeResult {
  person: { id: string; eTag: string };
  /** The bucket after the write: [name, JSON text] by name. */
  attributes: [string, string][];
}

export interface MetadataRow {
  id: string;
  name: string | null;
  externalId: string | null;
  profileUrl: string | null;
  email: string | null;
  type: string | null;
  status: string | null;
  custom: string | null;
  eTag: string;
  updated: string;
}

export interface Store {
  /** The organization of an unrevoked API key, by the key's sha256. */
  apiKeyOrg(keyHash: string): Promise<string | null>;
  tokenPerson(orgId: string, personId: string): Promise<TokenPerson | null>;
  /** Per-key upsert in one transaction that first replaces the person's eTag (checking ifMatch). */
  merge(
    orgId: string,
    personId: string,
    bucket: string,
    attributes: [string, string][],
    ifMatch: string | null,
    endUser: boolean,
  ): Promise<MergeResult>;
  person(orgId: string, personId: string, withValues: boolean): Promise<PersonData | null>;
  /** The first page in creation order, with groups, roles, attributes and what attributeValues needs. */
  persons(orgId: string, first: number): Promise<PersonData[]>;
  setMetadata(orgId: string, uuid: string, changes: MetadataChanges, ifMatch: string | null): Promise<MetadataRow>;
  close(): Promise<void>;
}
