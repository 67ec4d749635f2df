import type { Person } from '../../domain/persons/models.ts';
import { builder } from '../builder.ts';

export const PersonType = builder.enumType('PersonType', { values: ['REGULAR', 'ANONYMOUS'] as const });
export const Region = builder.enumType('Region', {
  values: ['US_IOWA', 'EUROPE_BELGIUM', 'ASIA_JAPAN', 'EUROPE_ENGLAND', 'AUSTRALIA_SYDNEY'] as const,
});

/**
 * A person row of the caller's organization. Handles, groups, roles and attributes are in person-fields.ts;
 * other domains add their fields with builder.objectField.
 */
export const PersonRef = builder.objectRef<Person>('Person');

PersonRef.implement({
  description: 'A person (end user) of an organization.',
  fields: (t) => ({
    id: t.exposeID('id'),
    active: t.exposeBoolean('active'),
    personType: t.field({ type: PersonType, resolve: (person) => person.personType as 'REGULAR' | 'ANONYMOUS' }),
    region: t.field({ type: Region, resolve: (person) => person.region as typeof Region.$inferType }),
    eTag: t.exposeString('eTag', { description: 'Changes whenever anything stored for the person changes.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});
