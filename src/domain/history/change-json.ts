import type { PersonChange } from './change.ts';
import { encodeCursor } from './cursor.ts';

/**
 * A change as section 10's JSON: every field of the GraphQL type `PersonChange` (schema/history/change-types.ts),
 * with the same values its resolvers give: what webhooks send as `data`.
 */
export function personChangeJson(change: PersonChange) {
  return {
    cursor: encodeCursor(change),
    personId: change.personId,
    kind: change.kind,
    eTag: change.eTag,
    at: change.at.toISOString(),
    actor: { kind: change.actor.kind, id: change.actor.id },
    entries: change.entries.map((entry) => ({
      area: entry.area,
      bucket: entry.bucket ?? null,
      name: entry.name,
      before: entry.before ?? null,
      after: entry.after ?? null,
    })),
  };
}
