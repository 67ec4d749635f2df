/** The webhook settings of CONTRACT §13, read from the environment when used (tests change them per case). */

const defaultSchedule = '5,30,120,600,3600,21600,86400';

/** ATTRQL_WEBHOOK_TIMEOUT_MS: how long one attempt may take until its response status (default 10 s). */
export function webhookTimeoutMs(): number {
  const raw = process.env.ATTRQL_WEBHOOK_TIMEOUT_MS?.trim();
  if (!raw) return 10_000;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 1) {
    throw new Error(`ATTRQL_WEBHOOK_TIMEOUT_MS must be a whole number of milliseconds ≥ 1, not "${raw}".`);
  }
  return ms;
}

/** ATTRQL_WEBHOOK_RETRY_SCHEDULE: the delays in seconds before each retry; its length is the number of retries. */
export function webhookRetrySchedule(): number[] {
  const raw = process.env.ATTRQL_WEBHOOK_RETRY_SCHEDULE?.trim() || defaultSchedule;
  const delays = raw.split(',').map((part) => Number(part.trim()));
  if (delays.some((delay) => !Number.isFinite(delay) || delay < 0) || raw.split(',').some((part) => !part.trim())) {
    throw new Error(
      `ATTRQL_WEBHOOK_RETRY_SCHEDULE must be comma-separated seconds ≥ 0 (e.g. "${defaultSchedule}"), not "${raw}".`,
    );
  }
  return delays;
}

/** ATTRQL_WEBHOOK_ALLOW_PRIVATE=true: http:// and private, loopback, … addresses allowed (development, tests). */
export function allowPrivateWebhooks(): boolean {
  return process.env.ATTRQL_WEBHOOK_ALLOW_PRIVATE?.trim().toLowerCase() === 'true';
}

/** The delay before retry number `retry` (1-based) with up to 10% jitter added, in ms; null when none is left. */
export function retryDelayMs(retry: number, schedule = webhookRetrySchedule()): number | null {
  const seconds = schedule[retry - 1];
  if (seconds === undefined) return null;
  return Math.round(seconds * 1000 * (1 + Math.random() * 0.1));
}
