import { personOf } from '../../context.ts';
import { personLoader } from '../../loaders/persons.ts';
import { builder } from '../builder.ts';
import { PersonRef } from './person-type.ts';
import { prefetchPersonFields } from './prefetch.ts';

builder.queryField('person', (t) =>
  t.field({
    type: PersonRef,
    nullable: true,
    description: 'A person of your organization; null when unknown.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, ctx, info) => {
      prefetchPersonFields(ctx, String(id), info);
      return personLoader(ctx).load(String(id));
    },
  }),
);

builder.queryField('me', (t) =>
  t.field({
    type: PersonRef,
    nullable: true,
    description: 'The caller, with a person token (user:attributes:read or write).',
    skipTypeScopes: true,
    authScopes: { personRead: true },
    resolve: (_root, _args, ctx, info) => {
      const { personId } = personOf(ctx);
      prefetchPersonFields(ctx, personId, info);
      return personLoader(ctx).load(personId);
    },
  }),
);
