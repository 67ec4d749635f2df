import { db } from '../../db/client.ts';
import { notFound } from '../../errors.ts';

/** Deletes a person and everything stored for it (cascade); NOT_FOUND when unknown. One statement. */
export async function deletePerson(orgId: string, personId: string): Promise<string> {
  const { count } = await db.person.deleteMany({ where: { orgId, id: personId } });
  if (count === 0) throw notFound('Person');
  return personId;
}
