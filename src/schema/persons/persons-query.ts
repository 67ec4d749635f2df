import { z } from 'zod';
import { orgIdOf } from '../../context.ts';
import { listPersons, type PersonPage } from '../../domain/persons/list-persons.ts';
import type { Person } from '../../domain/persons/models.ts';
import { builder } from '../builder.ts';
import { PersonRef } from './person-type.ts';

const PersonFilter = builder.inputType('PersonFilter', {
  fields: (t) => ({
    active: t.boolean(),
    group: t.string(),
    role: t.string({ description: 'Bare or "{orgId}/{roleName}".' }),
    handle: t.string({ description: 'A handle value of any type; emails match case-insensitively.' }),
  }),
});

const PersonEdge = builder.objectRef<{ cursor: string; node: Person }>('PersonEdge').implement({
  fields: (t) => ({
    cursor: t.exposeString('cursor'),
    node: t.field({ type: PersonRef, resolve: (edge) => edge.node }),
  }),
});

/** What every connection's pageInfo is built from. */
export interface PageShape {
  hasNextPage: boolean;
  cursors: readonly string[];
}

export const PageInfo = builder.objectRef<PageShape>('PageInfo').implement({
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage'),
    endCursor: t.string({ nullable: true, resolve: (page) => page.cursors.at(-1) ?? null }),
  }),
});

const PersonConnection = builder.objectRef<PersonPage>('PersonConnection').implement({
  fields: (t) => ({
    edges: t.field({
      type: [PersonEdge],
      resolve: (page) => page.persons.map((node, index) => ({ node, cursor: page.cursors[index] as string })),
    }),
    nodes: t.field({ type: [PersonRef], resolve: (page) => page.persons }),
    pageInfo: t.field({ type: PageInfo, resolve: (page) => page }),
    totalCount: t.int({
      description: 'Persons matching the filter, on every page.',
      resolve: (page) => page.totalCount(),
    }),
  }),
});

builder.queryField('persons', (t) =>
  t.field({
    type: PersonConnection,
    description: 'Persons of your organization in creation order (then id), a page at a time.',
    args: {
      first: t.arg.int({ defaultValue: 20, description: '1–100.' }),
      after: t.arg.string({ description: 'The endCursor of the previous page.' }),
      filter: t.arg({ type: PersonFilter }),
    },
    validate: z.looseObject({ first: z.number().int().min(1).max(100).nullish() }),
    resolve: (_root, { first, after, filter }, ctx) => listPersons(orgIdOf(ctx), first ?? 20, after, filter),
  }),
);
