import { z } from 'zod';
import { type Context, isEndUser, orgIdOf } from '../../context.ts';
import type { AttributeBucket, Person } from '../../db/client.ts';
import { qualifiedRoleName } from '../../domain/persons/roles.ts';
import { bucketNameSchema, handleTypes } from '../../domain/persons/rules.ts';
import { forbidden, notFound } from '../../errors.ts';
import { orgBuckets } from '../../loaders/buckets.ts';
import { personAttributesLoader } from '../../loaders/person-attributes.ts';
import { personGroupsLoader } from '../../loaders/person-groups.ts';
import { type HandleRow, personHandlesLoader } from '../../loaders/person-handles.ts';
import { personRolesLoader } from '../../loaders/person-roles.ts';
import { builder, type JsonObject } from '../builder.ts';
import { PersonRef } from './person-type.ts';

export const HandleType = builder.enumType('HandleType', { values: handleTypes });

const Handle = builder.objectRef<HandleRow>('Handle').implement({
  fields: (t) => ({
    type: t.field({ type: HandleType, resolve: (handle) => handle.type as (typeof handleTypes)[number] }),
    value: t.exposeString('value'),
  }),
});

/** The buckets a caller may see: end users (person tokens) never see NO_ACCESS buckets. */
async function readableBuckets(ctx: Context, requested: readonly string[] | null | undefined) {
  const all = await orgBuckets(ctx);
  const endUser = isEndUser(ctx);
  if (requested == null) return all.filter((bucket) => !endUser || bucket.endUserPermissions !== 'NO_ACCESS');
  const byName = new Map(all.map((bucket) => [bucket.name, bucket]));
  return [...new Set(requested)].map((name) => {
    const bucket = byName.get(name);
    if (!bucket) throw notFound(`Attribute bucket "${name}"`);
    if (endUser && bucket.endUserPermissions === 'NO_ACCESS') {
      throw forbidden(`End users cannot read the bucket "${name}".`);
    }
    return bucket;
  });
}

/** The person's attributes in the buckets the caller asked for and may see; buckets and values load at once. */
async function bucketValues(ctx: Context, person: Person, requested: readonly string[] | null | undefined) {
  const [buckets, stored] = await Promise.all([
    readableBuckets(ctx, requested),
    personAttributesLoader(ctx).load(person.id),
  ]);
  return valuesOf(buckets, stored);
}

function valuesOf(buckets: AttributeBucket[], stored: Map<string, Map<string, string>>): JsonObject {
  return Object.fromEntries(
    buckets.map((bucket) => [
      bucket.name,
      Object.fromEntries(
        [...(stored.get(bucket.name) ?? new Map<string, string>())].map(([name, json]) => [name, JSON.parse(json)]),
      ),
    ]),
  );
}

builder.objectFields(PersonRef, (t) => ({
  handles: t.field({ type: [Handle], resolve: (person, _args, ctx) => personHandlesLoader(ctx).load(person.id) }),
  groups: t.stringList({ resolve: (person, _args, ctx) => personGroupsLoader(ctx).load(person.id) }),
  roles: t.stringList({
    description: 'Qualified role names: "{orgId}/{roleName}".',
    resolve: async (person, _args, ctx) =>
      (await personRolesLoader(ctx).load(person.id)).map((name) => qualifiedRoleName(orgIdOf(ctx), name)),
  }),
  attributes: t.field({
    type: 'JSONObject',
    description:
      '{ bucketName: { key: value } } for every requested bucket (default: every bucket); {} for an empty one. ' +
      'With a person token, NO_ACCESS buckets are left out (asking for one is FORBIDDEN).',
    args: { buckets: t.arg.stringList() },
    validate: z.looseObject({ buckets: z.array(bucketNameSchema).nullish() }),
    resolve: (person, { buckets }, ctx) => bucketValues(ctx, person, buckets),
  }),
  bucket: t.field({
    type: 'JSONObject',
    description: "One bucket's attributes; with a person token, a NO_ACCESS bucket is FORBIDDEN.",
    args: { name: t.arg.string({ required: true }) },
    validate: z.looseObject({ name: bucketNameSchema }),
    resolve: async (person, { name }, ctx) => {
      const values = await bucketValues(ctx, person, [name]);
      return values[name] as JsonObject;
    },
  }),
}));
