import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAdmin } from './helpers/admin-cli.ts';
import { createTestDatabase } from './helpers/database.ts';
import {
  checkFollowers,
  checkOutcomes,
  expectAlive,
  Follower,
  feedAfter,
  type LoadTargets,
  sleep,
  startLoad,
} from './helpers/faults.ts';
import { type ServerProcess, startServerProcess } from './helpers/server-process.ts';
import { createPerson, merge, readFeed } from './helpers/subscriptions.ts';

// Two attrql processes on one database (both databases): writers go through instance 1, which is killed with
// SIGKILL while they write; subscribers on instance 2 follow the feed and resume with their last cursor.

describe('an instance killed mid-write', () => {
  let writer: ServerProcess;
  let reader: ServerProcess;
  let targets: LoadTargets;

  beforeAll(async () => {
    const database = await createTestDatabase('killed');
    const org = JSON.parse((await runAdmin(['create-org', '--name', 'killed'], database.url)).stdout);
    const env = { ATTRQL_RATE_LIMIT_PER_MINUTE: '0' };
    [writer, reader] = await Promise.all([
      startServerProcess(database.url, env),
      startServerProcess(database.url, env),
    ]);
    targets = {
      url: writer.url,
      apiKey: org.apiKey,
      orgId: org.orgId,
      graphqlPersons: ['p0', 'p1', 'p2'],
      restPerson: 'p3',
    };
    for (const id of ['p0', 'p1', 'p2', 'p3']) await createPerson(reader.url, org.apiKey, id);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([writer?.stop(), reader?.stop()]);
  });

  it('loses no acknowledged write, and a resumed subscriber gets every change once', async () => {
    const start = (await readFeed(reader.url, targets.apiKey)).end;
    const followers = [
      new Follower('sse', reader.url, targets.apiKey, start),
      new Follower('ws', reader.url, targets.apiKey, start),
    ];
    const load = startLoad(targets, 30);
    await sleep(2000);
    const exited = new Promise((resolve) => writer.process.once('exit', resolve));
    writer.process.kill('SIGKILL');
    await exited;
    await sleep(300);
    for (const follower of followers) follower.resume(); // as clients reconnecting, with their last cursor
    await sleep(1000);
    const outcomes = await load.stop();
    // One more write, through the surviving instance, after everything else.
    await merge(reader.url, targets.apiKey, 'p0', 'end_user_no_access', { last: true });
    expectAlive(reader);

    const feed = await feedAfter(reader.url, targets.apiKey, start);
    await Promise.all(followers.map((follower) => follower.finish(feed.length)));
    const counts = await checkOutcomes({ ...targets, url: reader.url }, outcomes, feed, { instanceKilled: true });
    checkFollowers(followers, feed);
    expect(feed.at(-1)?.entries.map((entry) => entry.name)).toEqual(['last']);
    expect(counts.acknowledged).toBeGreaterThan(10);
    expect(counts.unanswered).toBeGreaterThan(0); // the kill did cut requests off
    console.log(JSON.stringify({ ...counts, changes: feed.length }));
  }, 90_000);
});
