import { writerOf } from '../../context.ts';
import { removeUuidMetadata } from '../../domain/uuid-metadata/remove-uuid-metadata.ts';
import { uuidInput } from '../../domain/uuid-metadata/rules.ts';
import { builder } from '../builder.ts';

const RemoveUuidMetadataInput = builder.inputType('RemoveUuidMetadataInput', {
  fields: (t) => ({ uuid: t.id({ required: true }) }),
  validate: uuidInput,
});

const RemoveUuidMetadataPayload = builder.objectRef<{ uuid: string }>('RemoveUuidMetadataPayload').implement({
  fields: (t) => ({ uuid: t.exposeID('uuid') }),
});

builder.mutationField('removeUuidMetadata', (t) =>
  t.field({
    type: RemoveUuidMetadataPayload,
    description: 'Clears the metadata of a uuid; the person and its other data stay. NOT_FOUND for an unknown uuid.',
    args: { input: t.arg({ type: RemoveUuidMetadataInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const uuid = String(input.uuid);
      await removeUuidMetadata(writerOf(ctx), uuid);
      return { uuid };
    },
  }),
);
