import { type Person, sql } from '../../db/client.ts';
import { insertPersonRows } from '../../db/sql/sql-client.ts';
import type { Writer } from '../history/change.ts';
import { changedField } from '../history/diff.ts';
import { recordChange } from '../history/record.ts';
import { touchPerson } from './etag.ts';

const groupNames = 'SELECT "groupName" FROM "PersonGroup" WHERE "orgId" = $1 AND "personId" = $2';
const clearGroups = 'DELETE FROM "PersonGroup" WHERE "orgId" = $1 AND "personId" = $2';
/** Gives a person the groups named in one list parameter ($3): one statement for any number of groups. */
export const insertGroups = insertPersonRows('PersonGroup', ['groupName']);

/** Replaces the person's groups; duplicates are merged. */
export async function setPersonGroups(by: Writer, personId: string, groups: readonly string[]): Promise<Person> {
  const { orgId } = by;
  const unique = [...new Set(groups)];
  return sql.transaction(async (tx) => {
    const at = new Date();
    const person = await touchPerson(tx, orgId, personId);
    const before = (await tx.all<{ groupName: string }>(groupNames, [orgId, personId])).map((row) => row.groupName);
    await tx.run(clearGroups, [orgId, personId]);
    if (unique.length) await tx.run(insertGroups, [orgId, personId, unique]);
    const entries = changedField('groups', before.sort(), [...unique].sort());
    await recordChange(tx, by, { personId, kind: 'UPDATED', eTag: person.eTag, entries, at });
    return person;
  });
}
