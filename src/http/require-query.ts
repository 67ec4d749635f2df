import { createGraphQLError } from '@graphql-tools/utils';
import type { Plugin } from 'graphql-yoga';

/** A request without a query string is malformed: 400, like any other malformed body (CONTRACT §3). */
export function requireQueryPlugin(): Plugin {
  return {
    onParams({ params }) {
      if (typeof params.query === 'string' && params.query.trim() !== '') return;
      throw createGraphQLError('Must provide query string.', {
        extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
      });
    },
  };
}
