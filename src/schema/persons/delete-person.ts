import { z } from 'zod';
import { writerOf } from '../../context.ts';
import { personIdSchema } from '../../domain/ids.ts';
import { deletePerson } from '../../domain/persons/delete-person.ts';
import { builder } from '../builder.ts';

const DeletePersonInput = builder.inputType('DeletePersonInput', {
  fields: (t) => ({ personId: t.id({ required: true }) }),
  validate: z.looseObject({ personId: personIdSchema }),
});

const DeletePersonPayload = builder.objectRef<{ deletedPersonId: string }>('DeletePersonPayload').implement({
  fields: (t) => ({ deletedPersonId: t.exposeID('deletedPersonId') }),
});

builder.mutationField('deletePerson', (t) =>
  t.field({
    type: DeletePersonPayload,
    description: 'Deletes a person with everything stored for it; its person tokens stop working at once.',
    args: { input: t.arg({ type: DeletePersonInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const deletedPersonId = await deletePerson(writerOf(ctx), String(input.personId));
      return { deletedPersonId };
    },
  }),
);
