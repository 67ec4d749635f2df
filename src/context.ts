import type { YogaInitialContext } from 'graphql-yoga';
import type { Principal } from './auth/principal.ts';
import type { Reader } from './loaders/reader.ts';
import { LoaderRegistry } from './loaders/registry.ts';

export { isEndUser, orgIdOf, personOf, principalOf, writerOf } from './loaders/reader.ts';

/**
 * The per-request GraphQL context: a Reader (what the domain needs) plus the request. `principal` is set once,
 * by the auth plugin, before any resolver runs.
 */
export interface Context extends Reader {
  readonly request: Request;
  principal: Principal | null;
}

export function createContext(initial: YogaInitialContext): Context {
  return { request: initial.request, principal: null, loaders: new LoaderRegistry() };
}
