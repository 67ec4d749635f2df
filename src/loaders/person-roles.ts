import DataLoader from 'dataloader';
import { type Context, orgIdOf } from '../context.ts';
import { db, Prisma } from '../db/client.ts';
import { defineLoader } from './registry.ts';

/** The bare role names of persons of the caller's organization, sorted; one joined query per batch. */
export const personRolesLoader = defineLoader(
  (ctx: Context) =>
    new DataLoader<string, string[]>(async (personIds) => {
      const rows = await db.$queryRaw<{ personId: string; name: string }[]>`
        SELECT pr."personId" AS "personId", r."name" AS "name"
        FROM "PersonRole" pr JOIN "Role" r ON r."orgId" = pr."orgId" AND r."id" = pr."roleId"
        WHERE pr."orgId" = ${orgIdOf(ctx)} AND pr."personId" IN (${Prisma.join([...personIds])})
        ORDER BY r."name"`;
      const byPerson = new Map<string, string[]>();
      for (const row of rows) {
        const roles = byPerson.get(row.personId) ?? [];
        roles.push(row.name);
        byPerson.set(row.personId, roles);
      }
      return personIds.map((id) => byPerson.get(id) ?? []);
    }),
);
