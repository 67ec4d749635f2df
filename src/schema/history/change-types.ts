import { changeAreas, type PersonChange } from '../../domain/history/change.ts';
import { encodeCursor } from '../../domain/history/cursor.ts';
import type { ChangePage } from '../../domain/history/pages.ts';
import { builder } from '../builder.ts';
import { PageInfo } from '../persons/persons-query.ts';

export const ChangeArea = builder.enumType('ChangeArea', { values: changeAreas });
const PersonChangeKind = builder.enumType('PersonChangeKind', { values: ['CREATED', 'UPDATED', 'DELETED'] as const });
const ChangeActorKind = builder.enumType('ChangeActorKind', { values: ['API_KEY', 'PERSON'] as const });

const ChangeActor = builder.objectRef<PersonChange['actor']>('ChangeActor').implement({
  description: 'Who made a change: an API key (its id, never the key; the admin CLI prints it as keyId) or a person.',
  fields: (t) => ({
    kind: t.field({ type: ChangeActorKind, resolve: (actor) => actor.kind }),
    id: t.exposeID('id'),
  }),
});

const ChangeEntry = builder.objectRef<PersonChange['entries'][number]>('ChangeEntry').implement({
  description: 'One value a change changed.',
  fields: (t) => ({
    area: t.field({ type: ChangeArea, resolve: (entry) => entry.area }),
    bucket: t.string({ nullable: true, description: 'For ATTRIBUTE.', resolve: (entry) => entry.bucket ?? null }),
    name: t.exposeString('name', {
      description: 'The attribute key, UUID metadata field, user attribute name, or person field.',
    }),
    before: t.field({
      type: 'JSON',
      nullable: true,
      description: 'Null when absent before (or hidden).',
      resolve: (entry) => entry.before ?? null,
    }),
    after: t.field({
      type: 'JSON',
      nullable: true,
      description: 'Null when absent after (or hidden).',
      resolve: (entry) => entry.after ?? null,
    }),
  }),
});

export const PersonChangeRef = builder.objectRef<PersonChange>('PersonChange').implement({
  description: "One committed write to a person's stored data, key by key.",
  fields: (t) => ({
    cursor: t.string({
      description: 'Opaque; increases in commit order within an organization.',
      resolve: (change) => encodeCursor(change),
    }),
    personId: t.exposeID('personId'),
    kind: t.field({ type: PersonChangeKind, resolve: (change) => change.kind }),
    eTag: t.string({
      nullable: true,
      description: "The person's eTag after the change; null for DELETED.",
      resolve: (change) => change.eTag,
    }),
    at: t.expose('at', { type: 'DateTime' }),
    actor: t.field({ type: ChangeActor, resolve: (change) => change.actor }),
    entries: t.field({ type: [ChangeEntry], description: 'Empty for DELETED.', resolve: (change) => change.entries }),
  }),
});

const PersonChangeEdge = builder.objectRef<{ cursor: string; node: PersonChange }>('PersonChangeEdge').implement({
  fields: (t) => ({
    cursor: t.exposeString('cursor'),
    node: t.field({ type: PersonChangeRef, resolve: (edge) => edge.node }),
  }),
});

export const PersonChangeConnection = builder.objectRef<ChangePage>('PersonChangeConnection').implement({
  fields: (t) => ({
    edges: t.field({
      type: [PersonChangeEdge],
      resolve: (page) => page.changes.map((node, index) => ({ node, cursor: page.cursors[index] as string })),
    }),
    nodes: t.field({ type: [PersonChangeRef], resolve: (page) => page.changes }),
    pageInfo: t.field({ type: PageInfo, resolve: (page) => page }),
  }),
});
