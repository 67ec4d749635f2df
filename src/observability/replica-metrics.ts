import { Counter, Gauge } from 'prom-client';
import { metricsEnabled, registry } from './metrics.ts';

// CONTRACT §12 metrics: where reads went, and how far each replica is behind. Replicas are labelled by their
// position in ATTRQL_READ_REPLICA_URLS (never the URL, which may carry a password).
const on = metricsEnabled();

const reads = new Counter({
  name: 'attrql_db_reads_total',
  help: 'Read-only statements of queries and REST GETs by target ("primary" or "replica"), with ATTRQL_READ_REPLICA_URLS set.',
  labelNames: ['target'] as const,
  registers: [registry],
});

const lag = new Gauge({
  name: 'attrql_db_replica_lag_seconds',
  help: 'How far each read replica is behind the primary, as last checked (-1: unreachable).',
  labelNames: ['replica'] as const,
  registers: [registry],
});

export function countRead(target: 'primary' | 'replica'): void {
  if (on) reads.labels(target).inc();
}

export function setReplicaLag(index: number, ms: number | null): void {
  if (on) lag.labels(String(index)).set(ms === null ? -1 : ms / 1000);
}
