import pg from 'pg';

/**
 * pg emits 'error' on a connection the server closes (restart, admin shutdown), and an 'error' event nobody hears
 * ends the process. With these, the statement under way fails instead, and its caller reports it.
 */
const ignore = () => {};

/** A pg.Client whose lost connection fails its query instead of crashing the process. */
export function pgClient(config: pg.ClientConfig): pg.Client {
  const client = new pg.Client(config);
  client.on('error', ignore);
  return client;
}

/** A pg.Pool whose connections, idle or checked out, never crash the process when lost. */
export function heardPool(pool: pg.Pool, onLost: (error: Error) => void = ignore): pg.Pool {
  pool.on('connect', (client) => client.on('error', onLost));
  pool.on('error', ignore); // pg-pool re-emits an idle connection's error here; the listener above heard it
  return pool;
}
