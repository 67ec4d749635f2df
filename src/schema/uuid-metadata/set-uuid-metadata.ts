import { writerOf } from '../../context.ts';
import type { UuidMetadataChanges } from '../../domain/uuid-metadata/content.ts';
import { setUuidMetadataSchema } from '../../domain/uuid-metadata/rules.ts';
import { setUuidMetadata } from '../../domain/uuid-metadata/set-uuid-metadata.ts';
import type { UuidMetadataView } from '../../domain/uuid-metadata/view.ts';
import { builder } from '../builder.ts';
import { UuidMetadataRef } from './uuid-metadata-type.ts';

const SetUuidMetadataInput = builder.inputType('SetUuidMetadataInput', {
  description: 'Omitted fields stay unchanged; an explicit null clears a field; custom is replaced whole.',
  fields: (t) => ({
    uuid: t.id({ required: true, description: 'The person id; an unknown one is created (unless ifMatch is given).' }),
    name: t.string(),
    externalId: t.string(),
    profileUrl: t.string(),
    email: t.string(),
    type: t.string(),
    status: t.string(),
    custom: t.field({ type: 'JSONObject', description: 'A flat object of strings, booleans and numbers.' }),
    ifMatch: t.string({ description: 'Write only if this is still the current eTag, else PRECONDITION_FAILED.' }),
  }),
  // One schema for the whole input, so every offending field is reported at once.
  validate: setUuidMetadataSchema,
});

const UuidMetadataPayload = builder.objectRef<{ uuidMetadata: UuidMetadataView }>('UuidMetadataPayload').implement({
  fields: (t) => ({ uuidMetadata: t.field({ type: UuidMetadataRef, resolve: (payload) => payload.uuidMetadata }) }),
});

builder.mutationField('setUuidMetadata', (t) =>
  t.field({
    type: UuidMetadataPayload,
    description: 'Creates or updates the metadata of a uuid (PubNub setUUIDMetadata), optionally only if ifMatch.',
    args: { input: t.arg({ type: SetUuidMetadataInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const { uuid, ifMatch, ...changes } = input;
      const uuidMetadata = await setUuidMetadata(
        writerOf(ctx),
        String(uuid),
        changes as UuidMetadataChanges,
        ifMatch ?? null,
      );
      return { uuidMetadata };
    },
  }),
);
