import { readUuidMetadata, type UuidMetadataView } from '../../domain/uuid-metadata/view.ts';
import { builder } from '../builder.ts';
import { PersonRef } from '../persons/person-type.ts';

export const UuidMetadataRef = builder.objectRef<UuidMetadataView>('UuidMetadata');

UuidMetadataRef.implement({
  description: 'Profile metadata of a uuid (a person id), as in PubNub App Context.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The uuid, which is the person id.' }),
    name: t.exposeString('name', { nullable: true }),
    externalId: t.exposeString('externalId', { nullable: true }),
    profileUrl: t.exposeString('profileUrl', { nullable: true }),
    email: t.exposeString('email', { nullable: true }),
    type: t.exposeString('type', { nullable: true }),
    status: t.exposeString('status', { nullable: true }),
    custom: t.expose('custom', { type: 'JSONObject', nullable: true }),
    updated: t.expose('updated', { type: 'DateTime', description: 'When the content last changed.' }),
    eTag: t.exposeString('eTag', {
      description: 'Fingerprint of the content: pass it as ifMatch to write only if nobody changed it meanwhile.',
    }),
  }),
});

builder.objectField(PersonRef, 'uuidMetadata', (t) =>
  t.field({
    type: UuidMetadataRef,
    nullable: true,
    description: 'The person’s UUID metadata (PubNub App Context); null when it has none.',
    resolve: (person, _args, ctx) => readUuidMetadata(ctx, person.id),
  }),
);
