import type { PersonChange } from '../domain/history/change.ts';
import type { SubscriberQueue } from './subscriber-queue.ts';

interface OrgSubscribers {
  /** Subscribers of every person of the organization. */
  everyone: Set<SubscriberQueue>;
  /** Subscribers of one person, by person id. */
  byPerson: Map<string, Set<SubscriberQueue>>;
}

/**
 * The open subscribers by organization, then person: handing on a change visits only the subscribers it concerns
 * (its organization's org-wide ones and its person's), so one organization's many subscriptions cost nothing on
 * another's writes. Each subscriber is in exactly one set, so it gets each change once.
 */
export class SubscriberIndex {
  private readonly orgs = new Map<string, OrgSubscribers>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Whether any subscriber here follows (some of) `orgId`'s changes. */
  has(orgId: string): boolean {
    return this.orgs.has(orgId);
  }

  add(queue: SubscriberQueue): void {
    let org = this.orgs.get(queue.orgId);
    if (!org) {
      org = { everyone: new Set(), byPerson: new Map() };
      this.orgs.set(queue.orgId, org);
    }
    const set = queue.personId === null ? org.everyone : this.personSet(org, queue.personId);
    if (set.has(queue)) return;
    set.add(queue);
    this.count += 1;
  }

  remove(queue: SubscriberQueue): void {
    const org = this.orgs.get(queue.orgId);
    if (!org) return;
    const set = queue.personId === null ? org.everyone : org.byPerson.get(queue.personId);
    if (!set?.delete(queue)) return;
    this.count -= 1;
    if (queue.personId !== null && set.size === 0) org.byPerson.delete(queue.personId);
    if (org.everyone.size === 0 && org.byPerson.size === 0) this.orgs.delete(queue.orgId);
  }

  /** Hands `change` to each subscriber it concerns. */
  deliver(change: PersonChange): void {
    const org = this.orgs.get(change.orgId);
    if (!org) return;
    for (const queue of org.everyone) queue.push(change);
    const persons = org.byPerson.get(change.personId);
    if (persons) for (const queue of persons) queue.push(change);
  }

  *[Symbol.iterator](): IterableIterator<SubscriberQueue> {
    for (const org of this.orgs.values()) {
      yield* org.everyone;
      for (const persons of org.byPerson.values()) yield* persons;
    }
  }

  private personSet(org: OrgSubscribers, personId: string): Set<SubscriberQueue> {
    let set = org.byPerson.get(personId);
    if (!set) {
      set = new Set();
      org.byPerson.set(personId, set);
    }
    return set;
  }
}
