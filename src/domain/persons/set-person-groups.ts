import type { Person } from '../../db/client.ts';
import { transaction } from '../../db/transaction.ts';
import { touchPerson } from './etag.ts';

/** Replaces the person's groups; duplicates are merged. */
export async function setPersonGroups(orgId: string, personId: string, groups: readonly string[]): Promise<Person> {
  const unique = [...new Set(groups)];
  return transaction(async (tx) => {
    const person = await touchPerson(tx, orgId, personId);
    await tx.personGroup.deleteMany({ where: { orgId, personId } });
    if (unique.length) {
      await tx.personGroup.createMany({ data: unique.map((groupName) => ({ orgId, personId, groupName })) });
    }
    return person;
  });
}
