import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { databaseConfig } from '../src/db/config.ts';
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
