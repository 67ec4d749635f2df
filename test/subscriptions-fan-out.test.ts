import { afterAll, describe, expect, it } from 'vitest';
import { statementCounter } from '../src/db/statement-counter.ts';
import type { PersonChange } from '../src/domain/history/change.ts';
import { changeFeed } from '../src/live/change-feed.ts';
import { SubscriberQueue } from '../src/live/subscriber-queue.ts';
import { newOrg } from './helpers/graphql.ts';
import { createPerson, merge } from './helpers/persons.ts';

// The change feed hands a change only to the subscribers it concerns: found by organization, then person. With
// 5,000 open subscribers in organization A, a write in organization B visits none of them (it visited every one,
// each filtering it out, before the index). Real feed, real writes; the queues count what is pushed to them.

class CountingQueue extends SubscriberQueue {
  pushes = 0;
  override push(change: PersonChange): void {
    this.pushes += 1;
    super.push(change);
  }
}

const opened: SubscriberQueue[] = [];
async function open(orgId: string, personId: string | null): Promise<CountingQueue> {
  const queue = new CountingQueue(orgId, personId);
  await changeFeed.add(queue);
  opened.push(queue);
  return queue;
}
afterAll(() => {
  for (const queue of opened) changeFeed.remove(queue);
});

describe('fan-out', () => {
  it("a change visits only its organization's subscribers and its person's, each once and in order", async () => {
    const a = await newOrg('fan-a');
    const b = await newOrg('fan-b');
    const aPerson = await createPerson(a.apiKey);
    const [bOne, bTwo] = [await createPerson(b.apiKey), await createPerson(b.apiKey)];
    // A feed that starts reads from where PostgreSQL's oldest running transaction began (anything committed after it
    // may still be coming); on a server busy with other databases that can be before these persons were created. A
    // marker change reaching an open subscriber shows the feed has read past them.
    const settled = await open(b.orgId, null);
    await merge(b.apiKey, bTwo.id, 'end_user_read_write', { marker: true });
    await takeMarker(settled);
    const before = changeFeed.size;
    // Opened one after another, as subscriptions arrive.
    const crowd: CountingQueue[] = [];
    for (let i = 0; i < 5000; i += 1) crowd.push(await open(a.orgId, i % 2 === 0 ? null : aPerson.id));
    const bEveryone = await open(b.orgId, null);
    const bOfOne = await open(b.orgId, bOne.id);
    const bOfTwo = await open(b.orgId, bTwo.id);
    expect(changeFeed.size).toBe(before + 5003);

    await merge(b.apiKey, bOne.id, 'end_user_read_write', { n: 1 });
    await merge(b.apiKey, bTwo.id, 'end_user_read_write', { n: 2 });
    await merge(b.apiKey, bOne.id, 'end_user_read_write', { n: 3 });
    const three = await takeAll(bEveryone, 3);
    expect(three.map((change) => change.personId)).toEqual([bOne.id, bTwo.id, bOne.id]);
    expect((await takeAll(bOfOne, 2)).map((change) => change.entries[0]?.after)).toEqual([1, 3]);
    expect((await takeAll(bOfTwo, 1)).map((change) => change.entries[0]?.after)).toEqual([2]);
    // Exactly once: nothing more is waiting, and organization A's 5,000 subscribers were never visited.
    expect([bEveryone.pushes, bOfOne.pushes, bOfTwo.pushes]).toEqual([3, 2, 1]);
    expect(crowd.reduce((sum, queue) => sum + queue.pushes, 0)).toBe(0);

    // A's own change reaches its 2,500 org-wide subscribers and its person's 2,500, once each.
    await merge(a.apiKey, aPerson.id, 'end_user_read_write', { a: 1 });
    await takeAll(crowd[0] as CountingQueue, 1);
    await takeAll(crowd[1] as CountingQueue, 1);
    expect(crowd.every((queue) => queue.pushes === 1)).toBe(true);
    expect(bEveryone.pushes).toBe(3);

    for (const queue of crowd) changeFeed.remove(queue);
    expect(changeFeed.size).toBe(before + 3);
  }, 60_000);

  it("an organization's writes make the feed read nothing while no subscriber here follows it", async () => {
    const a = await newOrg('quiet-a');
    const b = await newOrg('quiet-b');
    const [aPerson, bPerson] = [await createPerson(a.apiKey), await createPerson(b.apiKey)];
    // Organization A's subscriber keeps the feed reading (as in the bench's fan-out scenario); the marker shows the
    // feed has read past the persons' creation.
    const aQueue = await open(a.orgId, null);
    await merge(a.apiKey, aPerson.id, 'end_user_read_write', { marker: true });
    await takeMarker(aQueue);
    // Twenty of B's writes, then long enough for any read they woke (25 ms apart at most) to have run.
    const started = performance.now();
    const { statements } = await statementCounter.measure(async () => {
      for (let i = 0; i < 20; i += 1) await merge(b.apiKey, bPerson.id, 'end_user_read_write', { n: i });
      await new Promise((resolve) => setTimeout(resolve, 300));
    });
    const seconds = (performance.now() - started) / 1000;
    const feedReads = statements.filter((statement) => feedRead.test(statement)).length;
    // Only the timed look-ups may read the log meanwhile (PostgreSQL: one a second for a NOTIFY that never came;
    // SQLite: one each time another connection committed); each of B's twenty writes woke a read before.
    expect(feedReads).toBeLessThanOrEqual(Math.ceil(seconds) + 1);
    // A's own writes still arrive.
    await merge(a.apiKey, aPerson.id, 'end_user_read_write', { after: 1 });
    expect((await takeAll(aQueue, 1)).map((change) => change.entries[0]?.name)).toEqual(['after']);
  }, 60_000);
});

/** The live feed's read of the log (domain/history/read.ts readFeed), by its row condition. */
const feedRead = /FROM "PersonChange" c WHERE \(c\."txid", c\."id"\) >|LEFT JOIN LATERAL/;

/** Takes `queue`'s changes up to the marker merge's, failing after 15 s. */
async function takeMarker(queue: SubscriberQueue): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const change = await queue.take(deadline - Date.now());
    if (change?.entries.some((entry) => entry.name === 'marker')) return;
  }
  expect.fail('the marker change did not arrive within 15 s');
}

/** The next `count` changes of `queue`, failing after 15 s. */
async function takeAll(queue: SubscriberQueue, count: number): Promise<PersonChange[]> {
  const taken: PersonChange[] = [];
  const deadline = Date.now() + 15_000;
  while (taken.length < count && Date.now() < deadline) {
    const change = await queue.take(deadline - Date.now());
    if (change) taken.push(change);
  }
  expect(taken).toHaveLength(count);
  return taken;
}
