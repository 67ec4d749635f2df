import type { Person } from '../../domain/persons/models.ts';
import { builder } from '../builder.ts';
import { PersonRef } from './person-type.ts';

export const PersonPayload = builder.objectRef<{ person: Person }>('PersonPayload').implement({
  fields: (t) => ({ person: t.field({ type: PersonRef, resolve: (payload) => payload.person }) }),
});
