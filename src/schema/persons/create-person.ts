import { z } from 'zod';
import { writerOf } from '../../context.ts';
import { personIdSchema } from '../../domain/ids.ts';
import { createPerson } from '../../domain/persons/create-person.ts';
import {
  bucketedAttributesSchema,
  groupListSchema,
  handleListSchema,
  roleListSchema,
} from '../../domain/persons/rules.ts';
import { builder } from '../builder.ts';
import { HandleType } from './person-fields.ts';
import { PersonPayload } from './person-payload.ts';
import { PersonType, Region } from './person-type.ts';

export const HandleInput = builder.inputType('HandleInput', {
  fields: (t) => ({
    type: t.field({ type: HandleType, required: true }),
    value: t.string({ required: true }),
  }),
});

const CreatePersonInput = builder.inputType('CreatePersonInput', {
  fields: (t) => ({
    id: t.id({ description: 'Generated (UUID v4) when omitted.' }),
    active: t.boolean({ defaultValue: true }),
    personType: t.field({ type: PersonType, defaultValue: 'REGULAR' }),
    region: t.field({ type: Region, defaultValue: 'US_IOWA' }),
    handles: t.field({ type: [HandleInput], description: 'Unique per organization (emails case-insensitively).' }),
    groups: t.stringList({ description: 'Duplicates are merged.' }),
    roles: t.stringList({ description: 'Existing roles, bare or "{orgId}/{roleName}".' }),
    attributes: t.field({ type: 'JSONObject', description: '{ bucketName: { key: value } }; the buckets must exist.' }),
  }),
  // One schema for the whole input, so every offending field is reported at once.
  validate: z.looseObject({
    id: personIdSchema.nullish(),
    handles: handleListSchema.nullish(),
    groups: groupListSchema.nullish(),
    roles: roleListSchema.nullish(),
    attributes: bucketedAttributesSchema.nullish(),
  }),
});

builder.mutationField('createPerson', (t) =>
  t.field({
    type: PersonPayload,
    args: { input: t.arg({ type: CreatePersonInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const person = await createPerson(writerOf(ctx), {
        ...input,
        id: input.id == null ? null : String(input.id),
        attributes: input.attributes as Record<string, Record<string, unknown>> | null | undefined,
      });
      return { person };
    },
  }),
);
