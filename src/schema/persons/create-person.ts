import { z } from 'zod';
import { orgIdOf } from '../../context.ts';
import { personIdSchema } from '../../domain/ids.ts';
import { createPerson } from '../../domain/persons/create-person.ts';
import { builder } from '../builder.ts';
import { PersonPayload } from './person-payload.ts';
import { PersonType, Region } from './person-type.ts';

const CreatePersonInput = builder.inputType('CreatePersonInput', {
  fields: (t) => ({
    id: t.id({ description: 'Generated (UUID v4) when omitted.' }),
    active: t.boolean({ defaultValue: true }),
    personType: t.field({ type: PersonType, defaultValue: 'REGULAR' }),
    region: t.field({ type: Region, defaultValue: 'US_IOWA' }),
  }),
  // One schema for the whole input, so every offending field is reported at once.
  validate: z.looseObject({ id: personIdSchema.nullish() }),
});

builder.mutationField('createPerson', (t) =>
  t.field({
    type: PersonPayload,
    args: { input: t.arg({ type: CreatePersonInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({
      person: await createPerson(orgIdOf(ctx), { ...input, id: input.id == null ? null : String(input.id) }),
    }),
  }),
);
