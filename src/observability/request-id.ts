import { randomUUID } from 'node:crypto';

/** CONTRACT §11: the client's own id when it is 1–128 visible ASCII characters. */
const clientId = /^[\x21-\x7e]{1,128}$/;

/** The request's id: the client's `x-request-id` when acceptable, else a new UUID. */
export function requestIdOf(headers: Headers): string {
  const sent = headers.get('x-request-id');
  return sent !== null && clientId.test(sent) ? sent : randomUUID();
}
