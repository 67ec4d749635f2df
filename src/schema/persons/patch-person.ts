import { writerOf } from '../../context.ts';
import { patchPersonInput } from '../../domain/persons/inputs.ts';
import { patchPerson } from '../../domain/persons/patch-person.ts';
import { builder } from '../builder.ts';
import { PersonPayload } from './person-payload.ts';

const PatchPersonInput = builder.inputType('PatchPersonInput', {
  fields: (t) => ({
    personId: t.id({ required: true }),
    active: t.boolean(),
    roles: t.stringList({ description: 'Replaces every role; existing roles, bare or "{orgId}/{roleName}".' }),
    ifMatch: t.string({ description: 'The eTag you read; PRECONDITION_FAILED when the person changed since.' }),
  }),
  validate: patchPersonInput,
});

builder.mutationField('patchPerson', (t) =>
  t.field({
    type: PersonPayload,
    description: 'Changes whether the person is active and/or replaces its roles; omitted fields stay unchanged.',
    args: { input: t.arg({ type: PatchPersonInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const person = await patchPerson(writerOf(ctx), String(input.personId), input);
      return { person };
    },
  }),
);
