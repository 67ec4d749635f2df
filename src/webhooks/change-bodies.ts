import { BoundedCache } from '../bounded-cache.ts';
import type { ChangePosition, PersonChange } from '../domain/history/change.ts';
import { personChangeJson } from '../domain/history/change-json.ts';

/**
 * The body of a change's webhook, serialized once for every endpoint that sends it the same way: endpoints of one
 * organization with the same area filter and the same hidden attributes send the same bytes (only the headers
 * differ), and JSON of a change was a tenth of a delivery's CPU, ten times over with ten endpoints.
 */
const maxBodies = 4096;
// The endpoints of an organization follow the log together, a few hundred changes apart at most.
const bodies = new BoundedCache<string>(maxBodies, maxBodies * 1024);

/** What decides a body besides the change: the area filter and the attributes whose values are hidden. */
export function bodyVariant(areas: readonly string[] | null, hiddenValueIds: ReadonlySet<string>): string {
  return `${areas ? [...areas].sort().join(',') : '*'}|${[...hiddenValueIds].sort().join(',')}`;
}

export function changeBody(orgId: string, variant: string, position: ChangePosition, change: PersonChange): string {
  const key = `${orgId}\n${position.txid}\n${position.id}\n${variant}`;
  let body = bodies.get(key);
  if (body === undefined) {
    body = JSON.stringify({
      type: 'person.changed',
      timestamp: change.at.toISOString(),
      data: personChangeJson(change),
    });
    bodies.set(key, body);
  }
  return body;
}
