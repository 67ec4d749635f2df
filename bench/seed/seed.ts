// Seeds a benchmark data set into a migrated database (attrql's own migrations): one organization with its API
// key, then `persons` persons in big transactions through the raw driver.

import { createHash, randomUUID } from 'node:crypto';
import { databaseConfig, sqlitePath } from '../../src/db/config.ts';
import { migrate } from '../../src/db/migrate.ts';
import { progressBar } from '../progress.ts';
import { postgresWriter } from './postgres.ts';
import { emptyRows, organizationRows, personRows } from './rows.ts';
import { sqliteWriter } from './sqlite.ts';
import type { SeedWriter } from './writer.ts';

export interface SeedOptions {
  databaseUrl: string;
  persons: number;
  /** Progress bar on stderr (default on). */
  progress?: boolean;
}

export interface SeedResult {
  databaseUrl: string;
  orgId: string;
  apiKey: string;
  persons: number;
  seconds: number;
  /** Growth of the database on disk divided by the number of persons. */
  bytesPerPerson: number;
  databaseBytes: number;
}

export async function seed(options: SeedOptions): Promise<SeedResult> {
  const started = Date.now();
  const config = databaseConfig(options.databaseUrl);
  await migrate(config);
  const writer: SeedWriter =
    config.provider === 'sqlite' ? sqliteWriter(sqlitePath(config)) : postgresWriter(config.url);
  try {
    const before = await writer.sizeBytes();
    const orgRows = emptyRows();
    const org = organizationRows(orgRows);
    await writer.write(orgRows);
    const batchSize = config.provider === 'sqlite' ? 5_000 : 1_000;
    const bar = options.progress === false ? null : progressBar(`seeding ${config.provider}`, options.persons);
    for (let start = 0; start < options.persons; start += batchSize) {
      const rows = emptyRows();
      const end = Math.min(options.persons, start + batchSize);
      for (let index = start; index < end; index += 1) personRows(rows, org, index);
      await writer.write(rows);
      bar?.update(end);
    }
    await writer.finish();
    const after = await writer.sizeBytes();
    const bytesPerPerson = options.persons > 0 ? Math.round((after - before) / options.persons) : 0;
    bar?.done(`(${bytesPerPerson.toLocaleString('en-US')} bytes/person)`);
    return {
      databaseUrl: options.databaseUrl,
      orgId: org.orgId,
      apiKey: org.apiKey,
      persons: options.persons,
      seconds: (Date.now() - started) / 1000,
      bytesPerPerson,
      databaseBytes: after,
    };
  } finally {
    await writer.close();
  }
}

/**
 * Fan-out scenario (issue 23): a second organization, no persons, with `keys` API keys (attrql allows 100 open
 * subscriptions per credential), into an already seeded database. Returns the keys.
 */
export async function seedSubscriberOrg(databaseUrl: string, keys: number): Promise<string[]> {
  const config = databaseConfig(databaseUrl);
  const writer = config.provider === 'sqlite' ? sqliteWriter(sqlitePath(config)) : postgresWriter(config.url);
  try {
    const rows = emptyRows();
    const org = organizationRows(rows);
    const apiKeys = [org.apiKey];
    const now = new Date(org.epochMs).toISOString();
    for (let i = 1; i < keys; i += 1) {
      const key = `aq_${randomUUID().replaceAll('-', '')}${i}`;
      rows.apiKey.push([randomUUID(), org.orgId, createHash('sha256').update(key).digest('hex'), now]);
      apiKeys.push(key);
    }
    await writer.write(rows);
    return apiKeys;
  } finally {
    await writer.close();
  }
}
