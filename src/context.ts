import type { YogaInitialContext } from 'graphql-yoga';
import type { Principal } from './auth/principal.ts';
import { forbidden, unauthenticated } from './errors.ts';
import { LoaderRegistry } from './loaders/registry.ts';

/** The per-request context. `principal` is set once, by the auth plugin, before any resolver runs. */
export interface Context {
  readonly request: Request;
  principal: Principal | null;
  readonly loaders: LoaderRegistry;
}

export function createContext(initial: YogaInitialContext): Context {
  return { request: initial.request, principal: null, loaders: new LoaderRegistry() };
}

export function principalOf(ctx: Context): Principal {
  if (!ctx.principal) throw unauthenticated();
  return ctx.principal;
}

/** The organization every read and write of this request is scoped to. */
export function orgIdOf(ctx: Context): string {
  return principalOf(ctx).orgId;
}

/** The caller as a person (person token), for the end-user operations. */
export function personOf(ctx: Context): Extract<Principal, { kind: 'person' }> {
  const principal = principalOf(ctx);
  if (principal.kind !== 'person') throw forbidden('This operation needs a person token.');
  return principal;
}

/** True when the caller is an end user (person token): responses hide what end users may not see. */
export function isEndUser(ctx: Context): boolean {
  return ctx.principal?.kind === 'person';
}
