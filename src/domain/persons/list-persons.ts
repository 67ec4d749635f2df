import { db, type Person, type Prisma } from '../../db/client.ts';
import { badInputAt } from '../../errors.ts';
import { bareRoleName, normalizeHandle } from './rules.ts';

export interface PersonFilter {
  active?: boolean | null;
  group?: string | null;
  /** Bare or "{orgId}/{roleName}". */
  role?: string | null;
  /** Any handle's value; emails match case-insensitively. */
  handle?: string | null;
}

export interface PersonPage {
  persons: Person[];
  cursors: string[];
  hasNextPage: boolean;
  /** Counted only when asked for: one more statement. */
  totalCount: () => Promise<number>;
}

/** Opaque to clients: base64url of [createdAt ms, id], the position in the (createdAt, id) order. */
export const encodeCursor = (person: Person): string =>
  Buffer.from(JSON.stringify([person.createdAt.getTime(), person.id])).toString('base64url');

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const [time, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    // ±8.64e15 ms is the range of a JavaScript Date; beyond it the database would be asked about an invalid date.
    if (typeof time === 'number' && Number.isSafeInteger(time) && Math.abs(time) <= 8.64e15 && typeof id === 'string') {
      return { createdAt: new Date(time), id };
    }
  } catch {
    // falls through to the error below
  }
  throw badInputAt(['after'], 'is not a cursor returned by this API');
}

function filterWhere(orgId: string, filter: PersonFilter | null | undefined): Prisma.PersonWhereInput {
  const where: Prisma.PersonWhereInput = { orgId };
  if (!filter) return where;
  const and: Prisma.PersonWhereInput[] = [];
  if (filter.active != null) where.active = filter.active;
  if (filter.group != null) and.push({ groups: { some: { groupName: filter.group } } });
  if (filter.role != null) {
    // A role qualified with another organization matches nobody here.
    const name = bareRoleName(orgId, filter.role);
    and.push(name === null ? { id: { in: [] } } : { roles: { some: { role: { name } } } });
  }
  if (filter.handle != null) {
    const value = filter.handle;
    and.push({
      handles: {
        some: {
          OR: [
            { type: 'EMAIL_ADDRESS', normalizedValue: normalizeHandle('EMAIL_ADDRESS', value) },
            { type: { not: 'EMAIL_ADDRESS' }, normalizedValue: value },
          ],
        },
      },
    });
  }
  if (and.length) where.AND = and;
  return where;
}

/** One page of the organization's persons in creation order (then id): one statement, plus one for the count. */
export async function listPersons(
  orgId: string,
  first: number,
  after: string | null | undefined,
  filter: PersonFilter | null | undefined,
): Promise<PersonPage> {
  const where = filterWhere(orgId, filter);
  const position = after == null ? null : decodeCursor(after);
  const rows = await db.person.findMany({
    where: position
      ? {
          AND: [
            where,
            {
              OR: [
                { createdAt: { gt: position.createdAt } },
                { createdAt: position.createdAt, id: { gt: position.id } },
              ],
            },
          ],
        }
      : where,
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    take: first + 1,
  });
  const persons = rows.slice(0, first);
  return {
    persons,
    cursors: persons.map(encodeCursor),
    hasNextPage: rows.length > first,
    totalCount: () => db.person.count({ where }),
  };
}
