import { z } from 'zod';
import { orgIdOf } from '../../context.ts';
import { decodeCursor } from '../../domain/history/cursor.ts';
import { historyPage, personChangesPage } from '../../domain/history/pages.ts';
import { requireRetained } from '../../domain/history/retention.ts';
import { builder } from '../builder.ts';
import { PersonRef } from '../persons/person-type.ts';
import { ChangeArea, PersonChangeConnection } from './change-types.ts';

const pageSize = z.number().int().min(1).max(100).nullish();
/** A cursor argument is checked before anything is read: one of ours, and not older than the history kept. */
const checkCursor = (after: string | null | undefined) => {
  if (after) requireRetained(decodeCursor(after, ['after']), ['after']);
};

builder.objectField(PersonRef, 'history', (t) =>
  t.field({
    type: PersonChangeConnection,
    description:
      "The person's changes, newest first; `area`, `bucket` and `name` keep the changes (and entries) that match.",
    args: {
      first: t.arg.int({ defaultValue: 20, description: '1–100.' }),
      after: t.arg.string({ description: 'The endCursor of the previous page.' }),
      area: t.arg({ type: ChangeArea }),
      bucket: t.arg.string(),
      name: t.arg.string(),
    },
    validate: z.looseObject({ first: pageSize }),
    resolve: (person, args, ctx) => {
      checkCursor(args.after);
      return historyPage(ctx, person.id, { ...args, first: args.first ?? 20 });
    },
  }),
);

builder.queryField('personChanges', (t) =>
  t.field({
    type: PersonChangeConnection,
    description:
      "Your organization's changes, oldest first, in commit order: a reader that follows endCursor never misses a " +
      'change nor sees one twice.',
    args: {
      first: t.arg.int({ defaultValue: 100, description: '1–100.' }),
      after: t.arg.string({ description: 'The endCursor (or any cursor) already processed.' }),
      personId: t.arg.id(),
      areas: t.arg({ type: [ChangeArea] }),
    },
    validate: z.looseObject({ first: pageSize }),
    resolve: (_root, args, ctx) => {
      orgIdOf(ctx);
      return personChangesPage(ctx, {
        first: args.first ?? 100,
        after: args.after,
        personId: args.personId == null ? null : String(args.personId),
        areas: args.areas,
      });
    },
  }),
);
