import pg from 'pg';
import { log } from '../log.ts';
import { setReplicaLag } from '../observability/replica-metrics.ts';
import { StartupError } from '../startup/startup-error.ts';
import { type DatabaseConfig, pgPoolSettings, redacted } from './config.ts';
import { heardPool } from './pg-connections.ts';
import { PostgresClient } from './sql/postgres-client.ts';

/** A WAL position (LSN) as a number: "16/B374D848" is 0x16 << 32 | 0xB374D848. */
export function parseLsn(text: string): bigint {
  const [high, low] = text.split('/');
  return (BigInt(`0x${high}`) << 32n) | BigInt(`0x${low}`);
}

export interface ReplicaSettings {
  urls: string[];
  maxWaitMs: number;
  maxLagMs: number;
}

function positiveMs(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    throw new StartupError(`${name} must be a whole number of ms, not "${raw}"`);
  return value;
}

/** ATTRQL_READ_REPLICA_URLS and its limits; none on SQLite (set there, they are refused at start). */
export function replicaSettings(config: DatabaseConfig): ReplicaSettings | null {
  const urls = (process.env.ATTRQL_READ_REPLICA_URLS ?? '')
    .split(',')
    .map((url) => url.trim())
    .filter((url) => url !== '');
  if (urls.length === 0) return null;
  if (config.provider !== 'postgresql') {
    throw new StartupError('ATTRQL_READ_REPLICA_URLS is for PostgreSQL only; unset it with a SQLite DATABASE_URL');
  }
  for (const url of urls) {
    if (!/^postgres(ql)?:\/\//i.test(url) || !URL.canParse(url)) {
      throw new StartupError(`ATTRQL_READ_REPLICA_URLS: "${redacted(url)}" is not a postgresql:// URL`);
    }
  }
  return {
    urls,
    maxWaitMs: positiveMs('ATTRQL_REPLICA_MAX_WAIT_MS', 100),
    maxLagMs: positiveMs('ATTRQL_REPLICA_MAX_LAG_MS', 2000),
  };
}

const checkEveryMs = 1000;
const checkTimeoutMs = 1000;
/** While a read waits for a replica to reach its position, it asks this often. */
const catchUpPollMs = 5;

export interface ReplicaState {
  /** Its host and port (never its password). */
  replica: string;
  state: 'healthy' | 'lagging' | 'unreachable' | 'unknown';
  lagMs: number | null;
}

/** One streaming replica: its own pool and fast path, and what the last check found. */
class Replica {
  readonly pool: pg.Pool;
  readonly sql: PostgresClient;
  readonly label: string;
  replayed = -1n;
  lagMs: number | null = null;
  reachable = false;
  /** Asked at least once (before that its state is "unknown"). */
  checked = false;
  private catchingUp: Promise<void> | null = null;

  constructor(
    readonly index: number,
    url: string,
  ) {
    const parsed = new URL(url);
    this.label = `${parsed.hostname}:${parsed.port || 5432}`;
    // A replica is a direct connection: its session keeps the statement timeout (and named statements, below).
    this.pool = heardPool(new pg.Pool(pgPoolSettings(url, { sessionTimeout: true, connectTimeoutMs: checkTimeoutMs })));
    this.sql = new PostgresClient(this.pool, { prepared: true });
  }

  /** Its replay position, asked now (one statement; shared by every read waiting at the same time). */
  refresh(): Promise<void> {
    this.catchingUp ??= this.pool
      .query({ text: 'SELECT pg_last_wal_replay_lsn()::text AS lsn', query_timeout: checkTimeoutMs } as pg.QueryConfig)
      .then((result) => {
        const lsn = result.rows[0]?.lsn as string | null;
        if (lsn === null || lsn === undefined) throw new Error('not a streaming replica (no replay position)');
        this.replayed = parseLsn(lsn);
        this.reachable = true;
      })
      .catch((error: Error) => this.lost(error))
      .finally(() => {
        this.checked = true;
        this.catchingUp = null;
      });
    return this.catchingUp;
  }

  lost(error: Error): void {
    if (this.reachable)
      log('read replica unreachable; its reads go to the primary', { replica: this.label, error: error.message });
    this.reachable = false;
    this.lagMs = null;
    setReplicaLag(this.index, null);
  }
}

/**
 * The read replicas of ATTRQL_READ_REPLICA_URLS, checked in the background (once a second, never per request):
 * each one's replay position against the primary's WAL position. Lag is how long the primary has been at a
 * position the replica has not replayed yet (0 when it has replayed everything the primary had at the last check),
 * so an idle primary never makes a replica look late.
 */
export class ReplicaSet {
  readonly replicas: Replica[];
  private timer: NodeJS.Timeout | null = null;
  /** The primary's WAL position at recent checks, oldest first. */
  private samples: { lsn: bigint; at: number }[] = [];
  private next = 0;

  constructor(
    readonly settings: ReplicaSettings,
    private readonly primaryLsn: () => Promise<bigint>,
  ) {
    this.replicas = settings.urls.map((url, index) => new Replica(index, url));
  }

  /** Whether ATTRQL_READ_REPLICA_URLS names any replica (none: every read is the primary's). */
  get configured(): boolean {
    return this.replicas.length > 0;
  }

  start(): void {
    if (this.timer) return;
    void this.check();
    this.timer = setInterval(() => void this.check(), checkEveryMs);
    this.timer.unref();
  }

  async check(): Promise<void> {
    const now = Date.now();
    try {
      this.samples.push({ lsn: await this.primaryLsn(), at: now });
    } catch {
      return; // the primary's own trouble is /health's business; the replicas keep their last state
    }
    const keepMs = this.settings.maxLagMs + 5 * checkEveryMs;
    while (this.samples.length > 2 && (this.samples[0]?.at ?? now) < now - keepMs) this.samples.shift();
    await Promise.all(
      this.replicas.map(async (replica) => {
        await replica.refresh();
        if (!replica.reachable) return;
        const behind = this.samples.find((sample) => sample.lsn > replica.replayed);
        replica.lagMs = behind ? Date.now() - behind.at : 0;
        setReplicaLag(replica.index, replica.lagMs);
      }),
    );
  }

  /**
   * A replica to read from that has replayed `minLsn` (null: any healthy one), waiting for one at most
   * ATTRQL_REPLICA_MAX_WAIT_MS; null when the primary must answer.
   */
  async pick(minLsn: bigint | null): Promise<Replica | null> {
    const healthy = this.replicas.filter(
      (replica) => replica.reachable && replica.lagMs !== null && replica.lagMs <= this.settings.maxLagMs,
    );
    if (healthy.length === 0) return null;
    this.next = (this.next + 1) % healthy.length;
    const ordered = [...healthy.slice(this.next), ...healthy.slice(0, this.next)];
    if (minLsn === null) return ordered[0] ?? null;
    const deadline = Date.now() + this.settings.maxWaitMs;
    for (;;) {
      const ready = ordered.find((replica) => replica.reachable && replica.replayed >= minLsn);
      if (ready) return ready;
      if (Date.now() >= deadline) return null;
      await Promise.all([
        ...ordered.map((replica) => replica.refresh()),
        new Promise((resolve) => setTimeout(resolve, catchUpPollMs)),
      ]);
    }
  }

  states(): ReplicaState[] {
    return this.replicas.map((replica) => ({
      replica: replica.label,
      state: !replica.checked
        ? 'unknown'
        : !replica.reachable
          ? 'unreachable'
          : (replica.lagMs ?? 0) > this.settings.maxLagMs
            ? 'lagging'
            : 'healthy',
      lagMs: replica.reachable ? replica.lagMs : null,
    }));
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.all(this.replicas.map((replica) => replica.pool.end().catch(() => {})));
  }
}
