import SchemaBuilder from '@pothos/core';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import ValidationPlugin from '@pothos/plugin-validation';
import { type AuthScopes, scopesOf } from '../auth/scopes.ts';
import type { Context } from '../context.ts';
import type { JsonObject } from '../domain/json.ts';
import { badInput, forbidden } from '../errors.ts';
import RequestGuardPlugin from './request-guard-plugin.ts';

export const builder = new SchemaBuilder<{
  Context: Context;
  DefaultFieldNullability: false;
  AuthScopes: AuthScopes;
  Scalars: {
    JSON: { Input: unknown; Output: unknown };
    JSONObject: { Input: JsonObject; Output: JsonObject };
    DateTime: { Input: Date; Output: Date };
  };
}>({
  // RequestGuard first: its checks (credential kind, unsafe strings) run before validation's arg mappers.
  plugins: [RequestGuardPlugin, ScopeAuthPlugin, ValidationPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authScopes: (ctx) => scopesOf(ctx.principal),
    // A subscription is authorized once, when it starts; it re-checks its credential itself (live/).
    authorizeOnSubscribe: true,
    unauthorizedError: (_parent, ctx) =>
      forbidden(
        ctx.principal?.kind === 'person'
          ? 'A person token cannot use this operation, or lacks the scope it needs.'
          : 'This operation needs a person token.',
      ),
  },
  validation: {
    validationError: (failure) =>
      badInput(
        failure.issues.map((issue) => ({
          path: (issue.path ?? []).map((segment) => String(typeof segment === 'object' ? segment.key : segment)),
          message: issue.message,
        })),
      ),
  },
});

// Every root field is admin-only (org API key) unless it declares otherwise with skipTypeScopes.
builder.queryType({ authScopes: { org: true } });
builder.mutationType({ authScopes: { org: true } });
builder.subscriptionType({ authScopes: { org: true } });
