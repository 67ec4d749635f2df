import { randomUUID } from 'node:crypto';
import type { Person } from '../../db/client.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import { transaction } from '../../db/transaction.ts';
import { conflict } from '../../errors.ts';
import { newPersonETag } from './etag.ts';

export interface NewPerson {
  id?: string | null;
  active?: boolean | null;
  personType?: string | null;
  region?: string | null;
}

/** Creates a person; CONFLICT when the id is taken in the organization. */
export async function createPerson(orgId: string, input: NewPerson): Promise<Person> {
  const id = input.id ?? randomUUID();
  try {
    return await transaction((tx) =>
      tx.person.create({
        data: {
          orgId,
          id,
          active: input.active ?? true,
          personType: input.personType ?? 'REGULAR',
          region: input.region ?? 'US_IOWA',
          eTag: newPersonETag(),
        },
      }),
    );
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict(`A person with id "${id}" already exists.`);
    throw error;
  }
}
