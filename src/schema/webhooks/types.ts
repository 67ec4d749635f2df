import type { DeliveryPage } from '../../webhooks/deliveries.ts';
import type { WebhookDelivery, WebhookEndpoint } from '../../webhooks/endpoint-rows.ts';
import { builder } from '../builder.ts';
import { ChangeArea } from '../history/change-types.ts';
import { PageInfo } from '../persons/persons-query.ts';

export const WebhookEndpointRef = builder.objectRef<WebhookEndpoint>('WebhookEndpoint').implement({
  description: 'An HTTP endpoint that receives the change log, signed per Standard Webhooks, in order, retried.',
  fields: (t) => ({
    id: t.exposeID('id'),
    url: t.exposeString('url'),
    description: t.string({ nullable: true, resolve: (endpoint) => endpoint.description }),
    areas: t.field({
      type: [ChangeArea],
      nullable: true,
      description: 'Null: every area.',
      resolve: (endpoint) => endpoint.areas,
    }),
    personId: t.id({
      nullable: true,
      description: 'Null: every person of the organization.',
      resolve: (endpoint) => endpoint.personId,
    }),
    enabled: t.exposeBoolean('enabled'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    lastDeliveredAt: t.field({ type: 'DateTime', nullable: true, resolve: (endpoint) => endpoint.lastDeliveredAt }),
    failingSince: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'The first failed attempt of the delivery now being retried, else null.',
      resolve: (endpoint) => endpoint.failingSince,
    }),
  }),
});

export const WebhookEndpointWithSecret = builder
  .objectRef<{ endpoint: WebhookEndpoint; secret: string }>('WebhookEndpointWithSecret')
  .implement({
    fields: (t) => ({
      endpoint: t.field({ type: WebhookEndpointRef, resolve: (payload) => payload.endpoint }),
      secret: t.exposeString('secret', { description: '"whsec_" + base64. Shown once: keep it.' }),
    }),
  });

export const WebhookDeliveryStatus = builder.enumType('WebhookDeliveryStatus', {
  values: ['PENDING', 'DELIVERED', 'FAILED'] as const,
});

const WebhookDeliveryRef = builder.objectRef<WebhookDelivery>('WebhookDelivery').implement({
  description: 'One change sent to one endpoint, and its attempts.',
  fields: (t) => ({
    webhookId: t.exposeString('webhookId', {
      description: 'The webhook-id header: the same on every attempt of one change to one endpoint.',
    }),
    changeCursor: t.exposeString('changeCursor'),
    status: t.field({ type: WebhookDeliveryStatus, resolve: (delivery) => delivery.status }),
    attempts: t.exposeInt('attempts'),
    lastStatusCode: t.int({ nullable: true, resolve: (delivery) => delivery.lastStatusCode }),
    lastError: t.string({ nullable: true, resolve: (delivery) => delivery.lastError }),
    nextAttemptAt: t.field({ type: 'DateTime', nullable: true, resolve: (delivery) => delivery.nextAttemptAt }),
    deliveredAt: t.field({ type: 'DateTime', nullable: true, resolve: (delivery) => delivery.deliveredAt }),
  }),
});

const WebhookDeliveryEdge = builder
  .objectRef<{ cursor: string; node: WebhookDelivery }>('WebhookDeliveryEdge')
  .implement({
    fields: (t) => ({
      cursor: t.exposeString('cursor'),
      node: t.field({ type: WebhookDeliveryRef, resolve: (edge) => edge.node }),
    }),
  });

export const WebhookDeliveryConnection = builder.objectRef<DeliveryPage>('WebhookDeliveryConnection').implement({
  fields: (t) => ({
    edges: t.field({
      type: [WebhookDeliveryEdge],
      resolve: (page) => page.deliveries.map((node, index) => ({ node, cursor: page.cursors[index] as string })),
    }),
    nodes: t.field({ type: [WebhookDeliveryRef], resolve: (page) => page.deliveries }),
    pageInfo: t.field({ type: PageInfo, resolve: (page) => page }),
  }),
});
