import type { Principal } from '../auth/principal.ts';
import type { Writer } from '../domain/history/change.ts';
import { forbidden, unauthenticated } from '../errors.ts';
import { LoaderRegistry } from './registry.ts';

/**
 * What a domain read needs of a request: who is calling and the request's DataLoaders (so a page of persons is
 * read in a fixed number of statements). The GraphQL context is one; a REST request builds its own with
 * `requestReader`. Nothing GraphQL- or HTTP-specific is in it.
 */
export interface Reader {
  readonly principal: Principal | null;
  readonly loaders: LoaderRegistry;
}

/** A reader for one request of an authenticated caller (REST endpoints; GraphQL uses its context). */
export function requestReader(principal: Principal): Reader {
  return { principal, loaders: new LoaderRegistry() };
}

export function principalOf(reader: Reader): Principal {
  if (!reader.principal) throw unauthenticated();
  return reader.principal;
}

/** The organization every read and write of this request is scoped to. */
export function orgIdOf(reader: Reader): string {
  return principalOf(reader).orgId;
}

/** The caller as the author of a write: its organization, and the API key's or the person's id. */
export function writerOf(reader: Reader): Writer {
  return writerFor(principalOf(reader));
}

export function writerFor(principal: Principal): Writer {
  const actor: Writer['actor'] =
    principal.kind === 'org' ? { kind: 'API_KEY', id: principal.keyId } : { kind: 'PERSON', id: principal.personId };
  return { orgId: principal.orgId, actor };
}

/** The caller as a person (person token), for the end-user operations. */
export function personOf(reader: Reader): Extract<Principal, { kind: 'person' }> {
  const principal = principalOf(reader);
  if (principal.kind !== 'person') throw forbidden('This operation needs a person token.');
  return principal;
}

/** True when the caller is an end user (person token): responses hide what end users may not see. */
export function isEndUser(reader: Reader): boolean {
  return reader.principal?.kind === 'person';
}
