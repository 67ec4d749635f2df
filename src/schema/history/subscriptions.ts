import { principalOf } from '../../context.ts';
import { AppError } from '../../errors.ts';
import { personChangeStream, type StreamEvent } from '../../live/person-change-stream.ts';
import { builder } from '../builder.ts';
import { ChangeArea, PersonChangeRef } from './change-types.ts';

/** Each event is a change, or the error that ends the subscription: thrown here, it reaches the client as such. */
const resolveEvent = (event: StreamEvent) => {
  if (event instanceof AppError) throw event;
  return event;
};

builder.subscriptionField('personChanges', (t) =>
  t.field({
    type: PersonChangeRef,
    description:
      "Your organization's changes as they commit (org API key). With `after` (or SSE's Last-Event-ID) it first " +
      'replays what followed that cursor. Each change arrives once, in commit order.',
    args: {
      after: t.arg.string({ description: 'The last cursor you received.' }),
      personId: t.arg.id(),
      areas: t.arg({ type: [ChangeArea] }),
    },
    subscribe: (_root, args, ctx) =>
      personChangeStream({
        principal: principalOf(ctx),
        headers: ctx.request.headers,
        after: args.after,
        personId: args.personId == null ? null : String(args.personId),
        areas: args.areas,
      }),
    resolve: resolveEvent,
  }),
);

builder.subscriptionField('myChanges', (t) =>
  t.field({
    type: PersonChangeRef,
    description:
      'Person token with user:attributes:read: your own changes as they commit, without what end users may not see.',
    skipTypeScopes: true,
    authScopes: { personRead: true },
    args: { after: t.arg.string({ description: 'The last cursor you received.' }) },
    subscribe: (_root, args, ctx) =>
      personChangeStream({ principal: principalOf(ctx), headers: ctx.request.headers, after: args.after }),
    resolve: resolveEvent,
  }),
);
