import SchemaBuilder from '@pothos/core';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import ValidationPlugin from '@pothos/plugin-validation';
import type { Context } from '../context.ts';
import { AppError, badInput, forbidden } from '../errors.ts';
import StringSafetyPlugin from './string-safety-plugin.ts';

export type JsonObject = { [key: string]: unknown };

export const builder = new SchemaBuilder<{
  Context: Context;
  DefaultFieldNullability: false;
  AuthScopes: {
    /** An org API key: admin of its organization. */
    org: boolean;
    /** A person token with user:attributes:read or user:attributes:write. */
    personRead: boolean;
    /** A person token with user:attributes:write. */
    personWrite: boolean;
  };
  Scalars: {
    JSON: { Input: unknown; Output: unknown };
    JSONObject: { Input: JsonObject; Output: JsonObject };
    DateTime: { Input: Date; Output: Date };
  };
}>({
  // Scope checks come first, so a person token learns nothing from validating an admin operation's input.
  plugins: [ScopeAuthPlugin, StringSafetyPlugin, ValidationPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authScopes: (ctx) => {
      const principal = ctx.principal;
      const scopes = principal?.kind === 'person' ? principal.scopes : new Set<string>();
      return {
        org: principal?.kind === 'org',
        personRead: scopes.has('user:attributes:read') || scopes.has('user:attributes:write'),
        personWrite: scopes.has('user:attributes:write'),
      };
    },
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

export { AppError };
