import { z } from 'zod';
import { orgIdOf } from '../../context.ts';
import { type BucketPermission, createBucket, listBuckets } from '../../domain/persons/buckets.ts';
import type { AttributeBucket } from '../../domain/persons/models.ts';
import { bucketNameSchema } from '../../domain/persons/rules.ts';
import { builder } from '../builder.ts';

const BucketPermissionEnum = builder.enumType('BucketPermission', {
  description: 'What an end user (person token) may do with a bucket.',
  values: ['NO_ACCESS', 'READ_ONLY', 'READ_WRITE'] as const,
});

const AttributeBucketRef = builder.objectRef<AttributeBucket>('AttributeBucket').implement({
  fields: (t) => ({
    name: t.exposeString('name'),
    endUserPermissions: t.field({
      type: BucketPermissionEnum,
      resolve: (bucket) => bucket.endUserPermissions as BucketPermission,
    }),
    builtIn: t.exposeBoolean('builtIn'),
  }),
});

const CreateAttributeBucketInput = builder.inputType('CreateAttributeBucketInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: '1–64 characters of a-z, 0-9, _ and -.' }),
    endUserPermissions: t.field({ type: BucketPermissionEnum, required: true }),
  }),
  validate: z.looseObject({ name: bucketNameSchema }),
});

const CreateAttributeBucketPayload = builder
  .objectRef<{ bucket: AttributeBucket }>('CreateAttributeBucketPayload')
  .implement({
    fields: (t) => ({ bucket: t.field({ type: AttributeBucketRef, resolve: (payload) => payload.bucket }) }),
  });

builder.queryField('attributeBuckets', (t) =>
  t.field({
    type: [AttributeBucketRef],
    description: 'Buckets of your organization (the three built-in ones included), by name.',
    resolve: (_root, _args, ctx) => listBuckets(orgIdOf(ctx)),
  }),
);

builder.mutationField('createAttributeBucket', (t) =>
  t.field({
    type: CreateAttributeBucketPayload,
    description: 'Creates a bucket; CONFLICT when the name is taken in your organization.',
    args: { input: t.arg({ type: CreateAttributeBucketInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({
      bucket: await createBucket(orgIdOf(ctx), input.name, input.endUserPermissions),
    }),
  }),
);
