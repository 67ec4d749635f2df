import { resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { databaseConfig, directConfig, pooled } from '../src/db/config.ts';
import { StartupError } from '../src/startup/startup-error.ts';

// DATABASE_URL forms (issue 10): a mistyped scheme must not silently become a SQLite file named after it.
describe('DATABASE_URL', () => {
  it.each([
    ['file:./data/attrql.db', resolve('data/attrql.db')],
    ['file:data/attrql.db', resolve('data/attrql.db')],
    ['file:/var/lib/attrql/attrql.db', '/var/lib/attrql/attrql.db'],
    ['file:///var/lib/attrql/attrql.db', '/var/lib/attrql/attrql.db'],
    ['./data/attrql.db', resolve('data/attrql.db')],
    ['data/attrql.db', resolve('data/attrql.db')],
    ['/var/lib/attrql/attrql.db', '/var/lib/attrql/attrql.db'],
  ])('%s is the SQLite file %s', (url, path) => {
    expect(databaseConfig(url)).toEqual({ provider: 'sqlite', url: `file:${path}` });
  });

  it.each(['postgres://u:p@db.example:5432/attrql', 'postgresql://postgres@127.0.0.1/attrql', 'POSTGRESQL://h/d'])(
    '%s is PostgreSQL, kept as given',
    (url) => {
      expect(databaseConfig(url)).toEqual({ provider: 'postgresql', url });
    },
  );

  it.each([
    'mysql://x',
    'postgress://localhost/attrql',
    'postgre://localhost/attrql',
    'sqlite:./a.db',
    'http://x',
    'file:',
  ])('%s is refused with one line naming the accepted forms', (url) => {
    let error: unknown;
    try {
      databaseConfig(url);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(StartupError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    expect(message).toContain('file:');
    expect(message).toContain('postgresql://');
    expect(message).toContain('bare path');
  });

  it('does not show the password of a refused URL', () => {
    expect(() => databaseConfig('postgress://admin:s3cret@db/attrql')).toThrow(/admin:\*\*\*@db/);
    expect(() => databaseConfig('postgress://admin:s3cret@db/attrql')).not.toThrow(/s3cret/);
  });
});

// CONTRACT §12: ATTRQL_DIRECT_DATABASE_URL beside a PgBouncer DATABASE_URL; PostgreSQL only.
describe('ATTRQL_DIRECT_DATABASE_URL', () => {
  afterEach(() => vi.unstubAllEnvs());
  const bouncer = 'postgresql://attrql@pgbouncer:6432/attrql';
  const direct = 'postgresql://attrql@db:5432/attrql';

  it('marks DATABASE_URL as a transaction pooler and is what migrations and LISTEN use', () => {
    vi.stubEnv('DATABASE_URL', bouncer);
    vi.stubEnv('ATTRQL_DIRECT_DATABASE_URL', direct);
    const config = databaseConfig();
    expect(config).toEqual({ provider: 'postgresql', url: bouncer, directUrl: direct });
    expect(pooled(config)).toBe(true);
    expect(directConfig(config)).toEqual({ provider: 'postgresql', url: direct });
  });

  it('unset, or the same URL as DATABASE_URL: DATABASE_URL is direct and serves everything', () => {
    vi.stubEnv('DATABASE_URL', direct);
    vi.stubEnv('ATTRQL_DIRECT_DATABASE_URL', '');
    expect(pooled(databaseConfig())).toBe(false);
    vi.stubEnv('ATTRQL_DIRECT_DATABASE_URL', direct);
    expect(databaseConfig()).toEqual({ provider: 'postgresql', url: direct });
    expect(directConfig(databaseConfig()).url).toBe(direct);
  });

  it.each([
    ['file:./data/attrql.db', direct, /PostgreSQL only/],
    [bouncer, 'file:./direct.db', /not a valid postgresql:\/\/ URL/],
    [bouncer, 'postgresql://[bad', /not a valid postgresql:\/\/ URL/],
  ])('DATABASE_URL %s with ATTRQL_DIRECT_DATABASE_URL %s is refused at start', (url, directUrl, message) => {
    vi.stubEnv('DATABASE_URL', url);
    vi.stubEnv('ATTRQL_DIRECT_DATABASE_URL', directUrl);
    expect(() => databaseConfig()).toThrow(StartupError);
    expect(() => databaseConfig()).toThrow(message);
  });
});
