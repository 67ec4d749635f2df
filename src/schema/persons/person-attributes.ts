import { writerOf } from '../../context.ts';
import type { JsonObject } from '../../domain/json.ts';
import { deleteAttributes, mergeAttributes, replaceAttributes } from '../../domain/persons/attributes.ts';
import { bucketDeleteInput, bucketWriteInput } from '../../domain/persons/inputs.ts';
import type { Person } from '../../domain/persons/models.ts';
import { builder } from '../builder.ts';
import { PersonRef } from './person-type.ts';

const UpdatePersonAttributesInput = builder.inputType('UpdatePersonAttributesInput', {
  fields: (t) => ({
    personId: t.id({ required: true }),
    bucket: t.string({ required: true }),
    attributes: t.field({ type: 'JSONObject', required: true, description: '{ key: value }; null stores JSON null.' }),
    ifMatch: t.string({ description: 'The eTag you read; PRECONDITION_FAILED when the person changed since.' }),
  }),
  validate: bucketWriteInput,
});

const DeletePersonAttributesInput = builder.inputType('DeletePersonAttributesInput', {
  fields: (t) => ({
    personId: t.id({ required: true }),
    bucket: t.string({ required: true }),
    names: t.stringList({ required: true, description: 'Names that are not in the bucket are ignored.' }),
  }),
  validate: bucketDeleteInput,
});

const PersonAttributesPayload = builder
  .objectRef<{ person: Person; attributes: JsonObject }>('PersonAttributesPayload')
  .implement({
    fields: (t) => ({
      person: t.field({ type: PersonRef, resolve: (payload) => payload.person }),
      attributes: t.field({
        type: 'JSONObject',
        description: 'The bucket after the write.',
        resolve: (payload) => payload.attributes,
      }),
    }),
  });

builder.mutationField('updatePersonAttributes', (t) =>
  t.field({
    type: PersonAttributesPayload,
    description:
      'Merges: the given keys are set, every other key of the bucket stays. Concurrent merges never lose a key.',
    args: { input: t.arg({ type: UpdatePersonAttributesInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      mergeAttributes(writerOf(ctx), String(input.personId), input.bucket, input.attributes, input.ifMatch),
  }),
);

builder.mutationField('setPersonAttributes', (t) =>
  t.field({
    type: PersonAttributesPayload,
    description: 'Replaces the bucket: afterwards it holds exactly the given keys.',
    args: { input: t.arg({ type: UpdatePersonAttributesInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      replaceAttributes(writerOf(ctx), String(input.personId), input.bucket, input.attributes, input.ifMatch),
  }),
);

builder.mutationField('deletePersonAttributes', (t) =>
  t.field({
    type: PersonAttributesPayload,
    description: 'Removes the named keys from the bucket.',
    args: { input: t.arg({ type: DeletePersonAttributesInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      deleteAttributes(writerOf(ctx), String(input.personId), input.bucket, input.names),
  }),
);
