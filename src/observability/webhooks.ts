import { Counter, Gauge } from 'prom-client';
import { LeanHistogram } from './histogram.ts';
import { metricsEnabled, registry } from './metrics.ts';

/** Webhook metrics (CONTRACT §13 with §11's label rules: no endpoint URL, endpoint id or org id as a label). */
const on = metricsEnabled();

const deliveries = new Counter({
  name: 'attrql_webhook_deliveries_total',
  help: 'Webhook deliveries finished by this instance, by outcome (delivered or failed after the last retry).',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

const attempts = new Counter({
  name: 'attrql_webhook_attempts_total',
  help: 'Webhook attempts by result (success, http_error, timeout, network_error, refused).',
  labelNames: ['result'] as const,
  registers: [registry],
});

const yields = new Counter({
  name: 'attrql_webhook_yields_total',
  help: 'Pauses of 50 ms a webhook delivery took before its POST because API requests were queueing, by what showed it (requests: many under way; cpu: the process busy while requests came).',
  labelNames: ['reason'] as const,
  registers: [registry],
});

const deliveryLag = new LeanHistogram(
  'attrql_webhook_delivery_lag_seconds',
  "Time from a change's commit until an endpoint acknowledged it (2xx).",
  [],
  [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
  registry,
);
const lagSeries = deliveryLag.labels();

let lagProbe: () => { endpoints: number; oldestSeconds: number } = () => ({ endpoints: 0, oldestSeconds: 0 });

new Gauge({
  name: 'attrql_webhook_endpoints_delivering',
  help: 'Webhook endpoints this instance holds the delivery lease of.',
  registers: [registry],
  collect() {
    this.set(lagProbe().endpoints);
  },
});

new Gauge({
  name: 'attrql_webhook_endpoint_lag_max_seconds',
  help: 'Over the endpoints this instance delivers to: the age of the oldest change one of them has not acknowledged.',
  registers: [registry],
  collect() {
    this.set(lagProbe().oldestSeconds);
  },
});

if (on) {
  for (const outcome of ['delivered', 'failed']) deliveries.labels(outcome).inc(0);
  for (const result of ['success', 'http_error', 'timeout', 'network_error', 'refused']) attempts.labels(result).inc(0);
  for (const reason of ['requests', 'cpu']) yields.labels(reason).inc(0);
}

export function countWebhookAttempt(result: string): void {
  if (on) attempts.labels(result).inc();
}

export function countWebhookYield(reason: 'requests' | 'cpu'): void {
  if (on) yields.labels(reason).inc();
}

export function countWebhookDelivery(outcome: 'delivered' | 'failed', changeAt: Date): void {
  if (!on) return;
  deliveries.labels(outcome).inc();
  if (outcome === 'delivered') lagSeries.observe(Math.max(0, Date.now() - changeAt.getTime()) / 1000);
}

/** The dispatcher's view of its endpoints, read when /metrics is scraped. */
export function watchWebhookLag(probe: typeof lagProbe): void {
  lagProbe = probe;
}
