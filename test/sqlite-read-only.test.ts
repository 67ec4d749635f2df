import { chmodSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runAdmin } from './helpers/admin-cli.ts';
import { nodeMain } from './helpers/attrql-process.ts';
import { type Running, waitFor } from './helpers/processes.ts';
import { freePort, httpGql } from './helpers/server-process.ts';
import { asOrdinaryUser, openToOrdinaryUser } from './helpers/unprivileged.ts';

// Its own SQLite file in either pass. A file that is read-only at start is a start-up error
// (startup-errors.test.ts); one that turns read-only while attrql runs must answer SERVICE_UNAVAILABLE with the
// cause in the log, not INTERNAL_SERVER_ERROR.
let server: Running | undefined;
afterAll(() => {
  server?.child.kill('SIGKILL');
});

describe('a SQLite file that turns read-only under a running attrql', () => {
  it('answers writes with SERVICE_UNAVAILABLE and logs why; reads still work', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'attrql-turns-readonly-'));
    const path = join(folder, 'attrql.db');
    const created = await runAdmin(['create-org', '--name', 'readonly'], path);
    expect(created.code, created.stderr).toBe(0);
    const { apiKey } = JSON.parse(created.stdout);
    openToOrdinaryUser(folder);
    for (const file of readdirSync(folder)) chmodSync(join(folder, file), 0o666); // the file, -wal, -shm

    // As an ordinary user (permissions do not bind root). The server opens its connection on the first request,
    // so the file is made read-only after start-up and before that request, without asking /health first.
    const user = asOrdinaryUser();
    const port = await freePort();
    server = nodeMain(
      { DATABASE_URL: path, PORT: String(port), ATTRQL_LOG: 'info', ...user.env },
      { uid: user.uid, gid: user.gid },
    );
    await waitFor(
      'attrql to listen',
      () => {
        if (server?.child.exitCode !== null) throw new Error(`attrql exited: ${server?.stderr()}`);
        return server.stderr().includes('serving GraphQL');
      },
      { timeoutMs: 60_000 },
    );
    chmodSync(path, 0o444);

    const url = `http://127.0.0.1:${port}`;
    const write = await httpGql(url, 'mutation { createPerson(input: { id: "ada" }) { person { id } } }', {}, apiKey);
    expect(write.errors?.[0]?.extensions?.code, JSON.stringify(write)).toBe('SERVICE_UNAVAILABLE');
    expect(JSON.stringify(write)).not.toMatch(/readonly|SQLITE/i);
    expect(server.stderr()).toMatch(
      /database unavailable cause=.*attempt to write a readonly database.* hint=the SQLite file is read-only/,
    );

    const read = await httpGql(url, '{ person(id: "ada") { id } }', {}, apiKey);
    expect(read).toMatchObject({ status: 200, data: { person: null } });
  }, 90_000);
});
