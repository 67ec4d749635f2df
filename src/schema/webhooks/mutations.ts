import { z } from 'zod';
import { orgIdOf } from '../../context.ts';
import { personIdSchema } from '../../domain/ids.ts';
import {
  createEndpoint,
  deleteEndpoint,
  replayEndpoint,
  rotateSecret,
  updateEndpoint,
} from '../../webhooks/endpoints.ts';
import { builder } from '../builder.ts';
import { ChangeArea } from '../history/change-types.ts';
import { WebhookEndpointRef, WebhookEndpointWithSecret } from './types.ts';

const description = z.string().max(1000, 'must be at most 1,000 characters').nullish();

const CreateWebhookEndpointInput = builder.inputType('CreateWebhookEndpointInput', {
  fields: (t) => ({
    url: t.string({ required: true, description: 'https:// (http:// only with ATTRQL_WEBHOOK_ALLOW_PRIVATE=true).' }),
    description: t.string(),
    areas: t.field({ type: [ChangeArea], description: 'Left out: every area.' }),
    personId: t.id({ description: 'Left out: every person.' }),
  }),
  validate: z.looseObject({ description, personId: personIdSchema.nullish() }),
});

const UpdateWebhookEndpointInput = builder.inputType('UpdateWebhookEndpointInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    url: t.string(),
    description: t.string(),
    areas: t.field({ type: [ChangeArea] }),
    enabled: t.boolean(),
  }),
  validate: z.looseObject({ description }),
});

builder.mutationField('createWebhookEndpoint', (t) =>
  t.field({
    type: WebhookEndpointWithSecret,
    description:
      'Adds an endpoint that receives every change recorded from now on (at most 20 per organization). The secret ' +
      'is shown once.',
    args: { input: t.arg({ type: CreateWebhookEndpointInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      createEndpoint(orgIdOf(ctx), {
        url: input.url,
        description: input.description,
        areas: input.areas,
        personId: input.personId == null ? null : String(input.personId),
      }),
  }),
);

builder.mutationField('updateWebhookEndpoint', (t) =>
  t.field({
    type: WebhookEndpointRef,
    description: 'Changes the fields given; `enabled: false` pauses deliveries, `true` resumes where they stopped.',
    args: { input: t.arg({ type: UpdateWebhookEndpointInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      updateEndpoint(orgIdOf(ctx), String(input.id), {
        url: input.url,
        // Absent leaves the description; null clears it.
        description: 'description' in input ? (input.description ?? null) : undefined,
        areas: 'areas' in input ? input.areas : undefined,
        enabled: input.enabled,
      }),
  }),
);

builder.mutationField('deleteWebhookEndpoint', (t) =>
  t.boolean({
    description: 'Deletes the endpoint and its deliveries; nothing more is sent to it.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => deleteEndpoint(orgIdOf(ctx), String(args.id)),
  }),
);

builder.mutationField('rotateWebhookSecret', (t) =>
  t.field({
    type: WebhookEndpointWithSecret,
    description: 'A new secret, shown once; the old one also signs (a second signature) for 24 hours.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => rotateSecret(orgIdOf(ctx), String(args.id)),
  }),
);

builder.mutationField('replayWebhookEndpoint', (t) =>
  t.field({
    type: WebhookEndpointRef,
    description: 'Delivers again every change after that cursor (e.g. the last one your receiver stored), in order.',
    args: { id: t.arg.id({ required: true }), after: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) => replayEndpoint(orgIdOf(ctx), String(args.id), args.after),
  }),
);
