import { spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { packageName, version } from 'better-sqlite3/driver';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../src/db/providers.ts';

// `better-sqlite3` is packages/better-sqlite3-by-node, which loads better-sqlite3 13 or 12 for the running Node
// (README, "Supported Node versions"). CI runs this file on every Node line it tests, so a wrong pick fails there.
const require = createRequire(import.meta.url);
const nodeMajor = Number(process.versions.node.split('.')[0]);

describe('the SQLite driver for this Node', () => {
  it('is better-sqlite3 13 on Node 22 and later, 12 on Node 20', () => {
    const major = nodeMajor >= 22 ? 13 : 12;
    expect({ packageName, major: Number(version.split('.')[0]) }).toEqual({
      packageName: `better-sqlite3-v${major}`,
      major,
    });
    // What `import Database from 'better-sqlite3'` constructs is that package's Database, and it works.
    const driver = require(packageName);
    expect(Object.getPrototypeOf(Database)).toBe(driver);
    const db = new Database(':memory:');
    try {
      expect(db).toBeInstanceOf(driver);
      expect(db.prepare('SELECT 1 + 1 AS two').get()).toEqual({ two: 2 });
    } finally {
      db.close();
    }
  });

  it('is the module Prisma loads too (one driver per process: the fast path shares its connection)', () => {
    const ours = realpathSync(require.resolve('better-sqlite3'));
    expect(ours).toBe(join(repoRoot, 'packages/better-sqlite3-by-node/index.cjs'));
    for (const dependent of ['@prisma/adapter-better-sqlite3', 'prisma']) {
      const theirs = require.resolve('better-sqlite3', { paths: [join(repoRoot, 'node_modules', dependent)] });
      expect(realpathSync(theirs), dependent).toBe(ours);
    }
  });

  it('lets prepared statements be garbage collected without aborting the process', () => {
    // better-sqlite3 12 on Node 24.19+ aborts here ("Assertion failed: (env) != nullptr" in Statement::~Statement,
    // nodejs/node#65446), as it did in test workers and in attrql.
    const script = `
      const Database = require('better-sqlite3');
      const db = new Database(':memory:');
      let junk = [];
      for (let i = 0; i < 300000; i++) {
        junk.push(db.prepare('SELECT 1'));
        if (junk.length > 1000) junk = [];
      }
      setTimeout(() => process.stdout.write('done'), 100);
    `;
    const result = spawnSync(process.execPath, ['-e', script], { cwd: repoRoot, encoding: 'utf8' });
    expect({ status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr }).toEqual({
      status: 0,
      signal: null,
      stdout: 'done',
      stderr: '',
    });
  });
});
