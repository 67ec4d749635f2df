import DataLoader from 'dataloader';

/**
 * A loader shared by all requests of this process: every load made during one turn of the event loop, by any
 * request, goes into one statement. Under load, concurrent requests thus share their reads (fewer statements and
 * round trips per request). It caches nothing: each request still gets what is stored when its batch runs.
 * Keys are joined by the caller (e.g. "orgId id"); `fetch` answers a value per key, or leaves it out.
 */
export function sharedBatch<V>(fetch: (keys: readonly string[]) => Promise<Map<string, V>>, missing: () => V) {
  const loader = new DataLoader<string, V>(
    async (keys) => {
      const found = await fetch(keys);
      return keys.map((key) => found.get(key) ?? missing());
    },
    { cache: false, maxBatchSize: 500, batchScheduleFn: (run) => setImmediate(run) },
  );
  // No stored text holds U+0000, and PostgreSQL refuses it in a parameter: such a key (raw, or escaped inside an
  // orgKey) is answered here, so that one caller's bad key cannot fail the statement every other caller shares.
  const unstorable = (key: string) => key.includes('\u0000') || key.includes('\\u0000');
  return (key: string): Promise<V> => (unstorable(key) ? Promise.resolve(missing()) : loader.load(key));
}

/** One key from an organization and an id inside it; JSON, so no character of either can collide. */
export const orgKey = (orgId: string, id: string): string => JSON.stringify([orgId, id]);

/** The organizations and ids of a batch of `orgKey`s, as the two lists `… IN $1 AND … IN $2` take. */
export function orgKeyLists(keys: readonly string[]): [string[], string[]] {
  const pairs = keys.map((key) => JSON.parse(key) as [string, string]);
  return [[...new Set(pairs.map(([orgId]) => orgId))], [...new Set(pairs.map(([, id]) => id))]];
}

/**
 * A request's DataLoader over a shared batch keyed by `orgKey`: ids of the caller's organization only, deduplicated
 * and cached for the request as DataLoader does, read together with every other request's.
 */
export function orgScoped<V>(orgId: string, shared: (key: string) => Promise<V>): DataLoader<string, V> {
  return new DataLoader<string, V>((ids) => Promise.all(ids.map((id) => shared(orgKey(orgId, id)))));
}
