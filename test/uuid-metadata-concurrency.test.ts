import { beforeAll, describe, expect, it } from 'vitest';
import { db } from '../src/db/client.ts';
import { newOrg } from './helpers/graphql.ts';
import { getMetadata, sendSet, setMetadata, type UuidMetadataJson } from './helpers/uuid-metadata.ts';

// In-process: the concurrent requests share one server and one Prisma client (one connection pool).
// test/uuid-metadata-processes.test.ts runs the same races across two attrql processes.

let org: { orgId: string; apiKey: string };

beforeAll(async () => {
  org = await newOrg('acme');
});

type SetResponse = Awaited<ReturnType<typeof sendSet>>;
const codesOf = (responses: SetResponse[]) =>
  responses.map((response) => response.errors?.[0]?.extensions?.code ?? 'OK');

/** N writers that all read the same eTag race to write their own name: exactly one may win. */
async function raceOnETag(uuid: string, writers: number) {
  const start = await setMetadata(org.apiKey, { uuid, name: 'start', custom: { writer: -1 } });
  const personBefore = await db.person.findUniqueOrThrow({ where: { orgId_id: { orgId: org.orgId, id: uuid } } });
  const responses = await Promise.all(
    Array.from({ length: writers }, (_, i) =>
      sendSet(org.apiKey, { uuid, name: `writer ${i}`, custom: { writer: i }, ifMatch: start.eTag }),
    ),
  );
  const codes = codesOf(responses);
  expect(
    codes.filter((code) => code === 'OK'),
    codes.join(','),
  ).toHaveLength(1);
  expect(codes.filter((code) => code === 'PRECONDITION_FAILED')).toHaveLength(writers - 1);

  const winnerIndex = codes.indexOf('OK');
  const winner = responses[winnerIndex]?.data?.setUuidMetadata.uuidMetadata as UuidMetadataJson;
  expect(winner).toMatchObject({ name: `writer ${winnerIndex}`, custom: { writer: winnerIndex } });
  // Only the winner's data is stored; each loser's write left no trace.
  expect(await getMetadata(org.apiKey, uuid)).toEqual(winner);
  const personAfter = await db.person.findUniqueOrThrow({ where: { orgId_id: { orgId: org.orgId, id: uuid } } });
  expect(personAfter.eTag).not.toBe(personBefore.eTag);
  return winner;
}

describe('writers holding the same eTag', () => {
  it('lets exactly one of two win; the other gets PRECONDITION_FAILED', async () => {
    await raceOnETag('race-2', 2);
  });

  it('lets exactly one of ten win; the other nine get PRECONDITION_FAILED', async () => {
    await raceOnETag('race-10', 10);
  });

  it('keeps doing so round after round', async () => {
    for (let round = 0; round < 3; round += 1) await raceOnETag(`race-round-${round}`, 5);
  });
});

describe('the first writers of a new uuid', () => {
  it('all succeed without ifMatch (no internal error), creating one person and losing no field', async () => {
    const uuid = 'new-many';
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        sendSet(org.apiKey, { uuid, ...(i % 2 === 0 ? { name: `name ${i}` } : { email: `e${i}@x.io` }) }),
      ),
    );
    expect(codesOf(responses)).toEqual(Array(10).fill('OK'));
    expect(await db.person.count({ where: { orgId: org.orgId, id: uuid } })).toBe(1);
    const stored = (await getMetadata(org.apiKey, uuid)) as UuidMetadataJson;
    // Each write merged onto the one before it, so the last name and the last email are both there.
    expect(stored.name).toMatch(/^name [02468]$/);
    expect(stored.email).toMatch(/^e[13579]@x\.io$/);
  });

  it('all get PRECONDITION_FAILED with ifMatch, and nothing is created', async () => {
    const uuid = 'new-ifmatch';
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => sendSet(org.apiKey, { uuid, name: `n${i}`, ifMatch: 'guess' })),
    );
    expect(codesOf(responses)).toEqual(Array(10).fill('PRECONDITION_FAILED'));
    expect(await db.person.count({ where: { orgId: org.orgId, id: uuid } })).toBe(0);
    expect(await db.uuidMetadata.count({ where: { orgId: org.orgId, personId: uuid } })).toBe(0);
  });
});

describe('the read-then-conditional-write loop', () => {
  it('loses no update when clients retry on PRECONDITION_FAILED', async () => {
    const uuid = 'counter';
    await setMetadata(org.apiKey, { uuid, custom: { n: 0 } });
    const clients = 4;
    const incrementsEach = 3;
    const increment = async () => {
      for (let attempt = 0; attempt < 100; attempt += 1) {
        const current = (await getMetadata(org.apiKey, uuid)) as UuidMetadataJson;
        const n = (current.custom?.n as number) + 1;
        const response = await sendSet(org.apiKey, { uuid, custom: { n }, ifMatch: current.eTag });
        const code = response.errors?.[0]?.extensions?.code;
        if (!code) return;
        expect(code).toBe('PRECONDITION_FAILED');
      }
      throw new Error('no progress after 100 attempts');
    };
    await Promise.all(
      Array.from({ length: clients }, async () => {
        for (let i = 0; i < incrementsEach; i += 1) await increment();
      }),
    );
    expect((await getMetadata(org.apiKey, uuid))?.custom).toEqual({ n: clients * incrementsEach });
  });
});
