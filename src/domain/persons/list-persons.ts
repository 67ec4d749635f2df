import { type Person, sql } from '../../db/client.ts';
import { personColumns, personFromRow } from '../../db/rows.ts';
import type { SqlParam } from '../../db/sql/sql-client.ts';
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

/** The WHERE clause of a filter and its parameters; the text depends only on which filters are set. */
function filterWhere(orgId: string, filter: PersonFilter | null | undefined): { where: string; params: SqlParam[] } {
  const params: SqlParam[] = [orgId];
  const param = (value: SqlParam) => `$${params.push(value)}`;
  const conditions = ['p."orgId" = $1'];
  if (filter?.active != null) conditions.push(`p."active" = ${param(filter.active)}`);
  if (filter?.group != null) {
    conditions.push(`EXISTS (SELECT 1 FROM "PersonGroup" g
      WHERE g."orgId" = p."orgId" AND g."personId" = p."id" AND g."groupName" = ${param(filter.group)})`);
  }
  if (filter?.role != null) {
    // A role qualified with another organization matches nobody here.
    const name = bareRoleName(orgId, filter.role);
    conditions.push(
      name === null
        ? '1 = 0'
        : `EXISTS (SELECT 1 FROM "PersonRole" pr JOIN "Role" r ON r."orgId" = pr."orgId" AND r."id" = pr."roleId"
            WHERE pr."orgId" = p."orgId" AND pr."personId" = p."id" AND r."name" = ${param(name)})`,
    );
  }
  if (filter?.handle != null) {
    const email = param(normalizeHandle('EMAIL_ADDRESS', filter.handle));
    const other = param(filter.handle);
    conditions.push(`EXISTS (SELECT 1 FROM "PersonHandle" h WHERE h."orgId" = p."orgId" AND h."personId" = p."id"
      AND ((h."type" = 'EMAIL_ADDRESS' AND h."normalizedValue" = ${email})
        OR (h."type" <> 'EMAIL_ADDRESS' AND h."normalizedValue" = ${other})))`);
  }
  return { where: conditions.join(' AND '), params };
}

/** One page of the organization's persons in creation order (then id): one statement, plus one for the count. */
export async function listPersons(
  orgId: string,
  first: number,
  after: string | null | undefined,
  filter: PersonFilter | null | undefined,
): Promise<PersonPage> {
  const { where, params } = filterWhere(orgId, filter);
  const position = after == null ? null : decodeCursor(after);
  const pageParams = [...params];
  const param = (value: SqlParam) => `$${pageParams.push(value)}`;
  const afterPosition = position
    ? ` AND (p."createdAt" > ${param(position.createdAt)} OR (p."createdAt" = ${param(position.createdAt)} AND p."id" > ${param(position.id)}))`
    : '';
  const rows = await sql.all(
    `SELECT ${personColumns} FROM "Person" p WHERE ${where}${afterPosition} ORDER BY p."createdAt", p."id" LIMIT ${param(first + 1)}`,
    pageParams,
  );
  const persons = rows.slice(0, first).map(personFromRow);
  return {
    persons,
    cursors: persons.map(encodeCursor),
    hasNextPage: rows.length > first,
    totalCount: async () => {
      const [row] = await sql.all(`SELECT COUNT(*) AS "count" FROM "Person" p WHERE ${where}`, params);
      return Number(row?.count ?? 0);
    },
  };
}
