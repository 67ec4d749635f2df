import { z } from 'zod';
import { writerOf } from '../../context.ts';
import { personIdSchema } from '../../domain/ids.ts';
import { groupListSchema } from '../../domain/persons/rules.ts';
import { setPersonGroups } from '../../domain/persons/set-person-groups.ts';
import { builder } from '../builder.ts';
import { PersonPayload } from './person-payload.ts';

const SetPersonGroupsInput = builder.inputType('SetPersonGroupsInput', {
  fields: (t) => ({
    personId: t.id({ required: true }),
    groups: t.stringList({ required: true, description: 'Replaces every group; duplicates are merged.' }),
  }),
  validate: z.looseObject({ personId: personIdSchema, groups: groupListSchema }),
});

builder.mutationField('setPersonGroups', (t) =>
  t.field({
    type: PersonPayload,
    args: { input: t.arg({ type: SetPersonGroupsInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const person = await setPersonGroups(writerOf(ctx), String(input.personId), input.groups);
      return { person };
    },
  }),
);
