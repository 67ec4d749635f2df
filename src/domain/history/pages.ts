import DataLoader from 'dataloader';
import { orgIdOf, type Reader } from '../../loaders/reader.ts';
import type { ChangeArea, PersonChange } from './change.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { applyFilter, type ChangeFilter } from './filter.ts';
import { readHistories, readOrgChanges } from './read.ts';
import { requireRetained } from './retention.ts';
import { maskHiddenValues, type Visibility, visibilityOf } from './visibility.ts';

/** A page of changes with the cursors GraphQL's connection shows. */
export interface ChangePage {
  changes: PersonChange[];
  cursors: string[];
  hasNextPage: boolean;
}

/** The changes as this caller may see them (filtered entries, hidden values blanked), dropping what it may not. */
export function presentChanges(changes: PersonChange[], filter: ChangeFilter, visibility: Visibility): PersonChange[] {
  return changes.flatMap((change) => {
    const shown = applyFilter(change, { ...filter, ...visibility.hidden });
    return shown ? [maskHiddenValues(shown, visibility)] : [];
  });
}

function pageOf(changes: PersonChange[], first: number): ChangePage {
  const shown = changes.slice(0, first);
  return { changes: shown, cursors: shown.map(encodeCursor), hasNextPage: changes.length > first };
}

/** `Query.personChanges`: the organization's changes after a cursor, oldest first, in commit order. */
export async function personChangesPage(
  reader: Reader,
  args: { first: number; after?: string | null; personId?: string | null; areas?: readonly ChangeArea[] | null },
): Promise<ChangePage> {
  const cursor = args.after ? decodeCursor(args.after, ['after']) : null;
  if (cursor) requireRetained(cursor, ['after']);
  const visibility = await visibilityOf(reader);
  const filter: ChangeFilter = { areas: args.areas ?? null, ...visibility.hidden };
  const changes = await readOrgChanges(orgIdOf(reader), cursor?.position, args.first + 1, {
    personId: args.personId ?? null,
    filter,
  });
  return pageOf(presentChanges(changes, filter, visibility), args.first);
}

export interface HistoryArgs {
  first: number;
  after?: string | null;
  area?: ChangeArea | null;
  bucket?: string | null;
  name?: string | null;
}

/**
 * `Person.history`: one person's changes, newest first. Every person of a page asking with the same arguments is
 * read by one statement (a DataLoader per distinct arguments).
 */
export function historyPage(reader: Reader, personId: string, args: HistoryArgs): Promise<ChangePage> {
  // A plain string key: it lives as long as this request's registry (a Symbol.for would stay registered forever).
  const key = `history ${JSON.stringify([args.first, args.after, args.area, args.bucket, args.name])}`;
  const loader = reader.loaders.get(
    key,
    () =>
      new DataLoader<string, ChangePage>(async (personIds) => {
        const cursor = args.after ? decodeCursor(args.after, ['after']) : null;
        const visibility = await visibilityOf(reader);
        const filter: ChangeFilter = {
          areas: args.area ? [args.area] : null,
          bucket: args.bucket ?? null,
          name: args.name ?? null,
          ...visibility.hidden,
        };
        const byPerson = await readHistories(orgIdOf(reader), personIds, cursor?.position, args.first + 1, filter);
        return personIds.map((id) => pageOf(presentChanges(byPerson.get(id) ?? [], filter, visibility), args.first));
      }),
  );
  return loader.load(personId);
}
