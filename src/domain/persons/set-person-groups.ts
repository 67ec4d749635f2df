import { type Person, sql } from '../../db/client.ts';
import { perDialect } from '../../db/sql/sql-client.ts';
import { touchPerson } from './etag.ts';

const clearGroups = 'DELETE FROM "PersonGroup" WHERE "orgId" = $1 AND "personId" = $2';
const insertGroups = perDialect(
  (d) => `INSERT INTO "PersonGroup" ("orgId", "personId", "groupName")
    SELECT $1, $2, value FROM ${d === 'sqlite' ? 'json_each($3)' : 'unnest($3::text[]) AS names(value)'}`,
);

/** Replaces the person's groups; duplicates are merged. */
export async function setPersonGroups(orgId: string, personId: string, groups: readonly string[]): Promise<Person> {
  const unique = [...new Set(groups)];
  return sql.transaction(async (tx) => {
    const person = await touchPerson(tx, orgId, personId);
    await tx.run(clearGroups, [orgId, personId]);
    if (unique.length) await tx.run(insertGroups, [orgId, personId, unique]);
    return person;
  });
}
