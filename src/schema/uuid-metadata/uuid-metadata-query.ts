import { personIdSchema } from '../../domain/ids.ts';
import { readUuidMetadata } from '../../domain/uuid-metadata/view.ts';
import { builder } from '../builder.ts';
import { UuidMetadataRef } from './uuid-metadata-type.ts';

builder.queryField('uuidMetadata', (t) =>
  t.field({
    type: UuidMetadataRef,
    nullable: true,
    description: 'The metadata of a uuid of your organization; null when the uuid is unknown or has no metadata.',
    args: { uuid: t.arg.id({ required: true, validate: personIdSchema }) },
    resolve: (_root, { uuid }, ctx) => readUuidMetadata(ctx, String(uuid)),
  }),
);
