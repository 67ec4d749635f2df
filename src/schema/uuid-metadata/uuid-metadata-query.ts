import { personIdSchema } from '../../domain/ids.ts';
import { uuidMetadataLoader } from '../../loaders/uuid-metadata.ts';
import { builder } from '../builder.ts';
import { UuidMetadataRef } from './uuid-metadata-type.ts';

builder.queryField('uuidMetadata', (t) =>
  t.field({
    type: UuidMetadataRef,
    nullable: true,
    description: 'The metadata of a uuid of your organization; null when the uuid is unknown or has no metadata.',
    args: { uuid: t.arg.id({ required: true, validate: personIdSchema }) },
    resolve: (_root, { uuid }, ctx) => uuidMetadataLoader(ctx).load(String(uuid)),
  }),
);
