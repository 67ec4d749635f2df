import { z } from 'zod';
import { orgIdOf } from '../../context.ts';
import { deliveriesPage } from '../../webhooks/deliveries.ts';
import { listEndpoints } from '../../webhooks/endpoints.ts';
import { builder } from '../builder.ts';
import { WebhookDeliveryConnection, WebhookDeliveryStatus, WebhookEndpointRef } from './types.ts';

builder.queryField('webhookEndpoints', (t) =>
  t.field({
    type: [WebhookEndpointRef],
    description: "Your organization's webhook endpoints (org API key), oldest first.",
    resolve: (_root, _args, ctx) => listEndpoints(orgIdOf(ctx)),
  }),
);

builder.queryField('webhookDeliveries', (t) =>
  t.field({
    type: WebhookDeliveryConnection,
    description: "An endpoint's deliveries, newest first: status, attempts and the last error of each.",
    args: {
      endpointId: t.arg.id({ required: true }),
      first: t.arg.int({ defaultValue: 20, description: '1–100.' }),
      after: t.arg.string({ description: 'The endCursor of the previous page.' }),
      status: t.arg({ type: WebhookDeliveryStatus }),
    },
    validate: z.looseObject({ first: z.number().int().min(1).max(100).nullish() }),
    resolve: (_root, args, ctx) =>
      deliveriesPage(orgIdOf(ctx), String(args.endpointId), {
        first: args.first ?? 20,
        after: args.after,
        status: args.status,
      }),
  }),
);
