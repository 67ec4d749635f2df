import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { expect } from 'vitest';
import type { ChangeJson } from './history.ts';

/** A webhook as a receiver got it. */
export interface Arrival {
  id: string;
  timestamp: string;
  signature: string;
  contentType: string;
  body: string;
  /** performance.now() at arrival. */
  at: number;
}

/** What the receiver answers: a status (with optional headers), or 'hang' (never answers). */
export type Reply = number | { status: number; headers?: Record<string, string> } | 'hang';

/**
 * A real HTTP receiver on the loopback interface that records every webhook. `reply` decides each answer; by
 * default 204. `attemptsOf(id)` counts the arrivals of one webhook-id so far (this one included).
 */
export class WebhookReceiver {
  readonly arrivals: Arrival[] = [];
  reply: (arrival: Arrival, attemptsOfId: number) => Reply = () => 204;
  /** Awaited before each answer: a test acts while attrql waits for this receiver. */
  beforeReply: (arrival: Arrival) => Promise<void> = async () => {};
  private readonly hanging = new Set<ServerResponse>();

  private constructor(private readonly server: Server) {}

  static async start(): Promise<WebhookReceiver> {
    const server = createServer();
    const receiver = new WebhookReceiver(server);
    server.on('request', (request, response) => receiver.handle(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  /** The same receiver by name (resolves to loopback). */
  get localhostUrl(): string {
    return `http://localhost:${(this.server.address() as AddressInfo).port}/hook`;
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const header = (name: string) => String(request.headers[name] ?? '');
      const arrival: Arrival = {
        id: header('webhook-id'),
        timestamp: header('webhook-timestamp'),
        signature: header('webhook-signature'),
        contentType: header('content-type'),
        body: Buffer.concat(chunks).toString('utf8'),
        at: performance.now(),
      };
      this.arrivals.push(arrival);
      void this.beforeReply(arrival).then(() => this.answer(arrival, response));
    });
  }

  private answer(arrival: Arrival, response: ServerResponse): void {
    const reply = this.reply(arrival, this.arrivals.filter((a) => a.id === arrival.id).length);
    if (reply === 'hang') {
      this.hanging.add(response);
      return;
    }
    const { status, headers } = typeof reply === 'number' ? { status: reply, headers: {} } : reply;
    response.writeHead(status, headers);
    response.end();
  }

  /** The changes received, in arrival order (every arrival, retries and duplicates included). */
  changes(): ChangeJson[] {
    return this.arrivals.map((arrival) => (JSON.parse(arrival.body) as { data: ChangeJson }).data);
  }

  async stop(): Promise<void> {
    for (const response of this.hanging) response.destroy();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** Verifies every arrival with the Standard Webhooks library (not attrql's code) and returns the parsed bodies. */
export function verifyAll(arrivals: readonly Arrival[], secret: string): unknown[] {
  const webhook = new Webhook(secret);
  return arrivals.map((arrival) => {
    expect(arrival.contentType).toBe('application/json');
    return webhook.verify(arrival.body, {
      'webhook-id': arrival.id,
      'webhook-timestamp': arrival.timestamp,
      'webhook-signature': arrival.signature,
    });
  });
}

export const endpointFields = 'id url description areas personId enabled createdAt lastDeliveredAt failingSince';
export const createEndpointDoc = `mutation Create($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { secret endpoint { ${endpointFields} } }
}`;
export const updateEndpointDoc = `mutation Update($input: UpdateWebhookEndpointInput!) {
  updateWebhookEndpoint(input: $input) { ${endpointFields} }
}`;
export const deleteEndpointDoc = 'mutation Delete($id: ID!) { deleteWebhookEndpoint(id: $id) }';
export const rotateSecretDoc = `mutation Rotate($id: ID!) { rotateWebhookSecret(id: $id) { secret endpoint { id } } }`;
export const replayDoc = `mutation Replay($id: ID!, $after: String!) { replayWebhookEndpoint(id: $id, after: $after) { ${endpointFields} } }`;
export const endpointsDoc = `query Endpoints { webhookEndpoints { ${endpointFields} } }`;
export const deliveryFields =
  'webhookId changeCursor status attempts lastStatusCode lastError nextAttemptAt deliveredAt';
export const deliveriesDoc = `query Deliveries($endpointId: ID!, $first: Int, $after: String, $status: WebhookDeliveryStatus) {
  webhookDeliveries(endpointId: $endpointId, first: $first, after: $after, status: $status) {
    edges { cursor node { ${deliveryFields} } } nodes { ${deliveryFields} } pageInfo { hasNextPage endCursor }
  }
}`;

export interface EndpointJson {
  id: string;
  url: string;
  description: string | null;
  areas: string[] | null;
  personId: string | null;
  enabled: boolean;
  createdAt: string;
  lastDeliveredAt: string | null;
  failingSince: string | null;
}

export interface DeliveryJson {
  webhookId: string;
  changeCursor: string;
  status: 'PENDING' | 'DELIVERED' | 'FAILED';
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
}

/** Polls `check` every 20 ms until it returns true, or fails after `timeoutMs` with `describe()`. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, describe: () => string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
