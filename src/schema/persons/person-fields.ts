import { z } from 'zod';
import type { JsonObject } from '../../domain/json.ts';
import { groupsOf, handlesOf, qualifiedRolesOf } from '../../domain/persons/read-person.ts';
import { bucketNameSchema, handleTypes } from '../../domain/persons/rules.ts';
import { visibleAttributes } from '../../domain/persons/visible-attributes.ts';
import type { HandleRow } from '../../loaders/person-handles.ts';
import { builder } from '../builder.ts';
import { PersonRef } from './person-type.ts';

export const HandleType = builder.enumType('HandleType', { values: handleTypes });

const Handle = builder.objectRef<HandleRow>('Handle').implement({
  fields: (t) => ({
    type: t.field({ type: HandleType, resolve: (handle) => handle.type as (typeof handleTypes)[number] }),
    value: t.exposeString('value'),
  }),
});

builder.objectFields(PersonRef, (t) => ({
  handles: t.field({ type: [Handle], resolve: (person, _args, ctx) => handlesOf(ctx, person.id) }),
  groups: t.stringList({ resolve: (person, _args, ctx) => groupsOf(ctx, person.id) }),
  roles: t.stringList({
    description: 'Qualified role names: "{orgId}/{roleName}".',
    resolve: (person, _args, ctx) => qualifiedRolesOf(ctx, person.id),
  }),
  attributes: t.field({
    type: 'JSONObject',
    description:
      '{ bucketName: { key: value } } for every requested bucket (default: every bucket); {} for an empty one. ' +
      'With a person token, NO_ACCESS buckets are left out (asking for one is FORBIDDEN).',
    args: { buckets: t.arg.stringList() },
    validate: z.looseObject({ buckets: z.array(bucketNameSchema).nullish() }),
    resolve: (person, { buckets }, ctx) => visibleAttributes(ctx, person.id, buckets),
  }),
  bucket: t.field({
    type: 'JSONObject',
    description: "One bucket's attributes; with a person token, a NO_ACCESS bucket is FORBIDDEN.",
    args: { name: t.arg.string({ required: true }) },
    validate: z.looseObject({ name: bucketNameSchema }),
    resolve: async (person, { name }, ctx) => {
      const values = await visibleAttributes(ctx, person.id, [name]);
      return values[name] as JsonObject;
    },
  }),
}));
