import { createGraphQLError } from '@graphql-tools/utils';
import type { Plugin } from 'graphql-yoga';

const jsonHint = 'send the operation as JSON with "Content-Type: application/json", e.g. {"query":"{ __typename }"}';

function badRequest(message: string, status = 400) {
  return createGraphQLError(message, { extensions: { code: 'BAD_REQUEST', http: { status } } });
}

/** Why a request carried no query, in terms of what was sent. */
function missingQueryMessage(request: Request): string {
  const contentType = request.headers.get('content-type') ?? '';
  if (request.method === 'GET') {
    return `Must provide query string: a GET request carries the operation in ?query=…; or POST it: ${jsonHint}.`;
  }
  if (/^application\/x-www-form-urlencoded/i.test(contentType)) {
    return `Must provide query string: the body was sent as "Content-Type: application/x-www-form-urlencoded" (what curl -d sends unless told otherwise) and has no "query" field; ${jsonHint}.`;
  }
  return `Must provide query string: the JSON body needs a "query" field; ${jsonHint}.`;
}

/**
 * A request without a query string is malformed: 400, like any other malformed body (CONTRACT §3). A body of a
 * type no parser reads (no Content-Type, text/plain) is 415; both say what was wrong with what was sent.
 */
export function requireQueryPlugin(): Plugin {
  return {
    onRequestParse({ request, requestParser }) {
      if (requestParser) return;
      const contentType = request.headers.get('content-type');
      const sent = contentType ? `"Content-Type: ${contentType}"` : 'no Content-Type header';
      throw badRequest(`Unsupported request body: it was sent with ${sent}; ${jsonHint}.`, 415);
    },
    onParams({ params, request }) {
      if (typeof params.query === 'string' && params.query.trim() !== '') return;
      throw badRequest(missingQueryMessage(request));
    },
  };
}
