import { describe, expect, it } from 'vitest';
import { hashSecret } from '../src/auth/secrets.ts';
import { db } from '../src/db/client.ts';
import { runAdmin } from './helpers/admin-cli.ts';
import { expectData, expectError, gql } from './helpers/graphql.ts';

const databaseUrl = process.env.DATABASE_URL as string;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ping = '{ person(id: "nobody") { id } }';

/** Runs a command that must succeed and returns its one JSON line. */
async function admin(args: string[]) {
  const result = await runAdmin(args, databaseUrl);
  expect(result.code, result.stderr).toBe(0);
  const lines = result.stdout.split('\n').filter(Boolean);
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0] as string);
}

describe('admin CLI', () => {
  it('create-org prints {orgId, keyId, apiKey} on one line, and the key works', async () => {
    const created = await admin(['create-org', '--name', 'acme']);
    expect(Object.keys(created).sort()).toEqual(['apiKey', 'keyId', 'orgId']);
    expect(created.orgId).toMatch(uuid);
    // keyId is the stored key's id: what the change history names as the author of its writes.
    const [stored] = await db.apiKey.findMany({ where: { orgId: created.orgId } });
    expect(created.keyId).toBe(stored?.id);
    expect(created.apiKey).toMatch(/^aq_[\w-]{43}$/);
    expectData(await gql(ping, {}, { auth: created.apiKey }));
    expect((await db.organization.findUniqueOrThrow({ where: { id: created.orgId } })).name).toBe('acme');
  });

  it('stores keys hashed: the plaintext is nowhere in the database', async () => {
    const created = await admin(['create-org', '--name', 'hashed']);
    const keys = await db.apiKey.findMany({ where: { orgId: created.orgId } });
    expect(keys).toHaveLength(1);
    expect(keys[0]?.keyHash).toBe(hashSecret(created.apiKey));
    expect(JSON.stringify(keys)).not.toContain(created.apiKey);
  });

  it('create-api-key adds a working key; revoke-api-key stops it at once and leaves the others', async () => {
    const created = await admin(['create-org', '--name', 'keys']);
    const second = await admin(['create-api-key', '--org', created.orgId]);
    expect(second.orgId).toBe(created.orgId);
    expect(second.apiKey).not.toBe(created.apiKey);
    expect(second.keyId).toMatch(uuid);
    expect(second.keyId).not.toBe(created.keyId);
    expectData(await gql(ping, {}, { auth: second.apiKey }));

    expect(await admin(['revoke-api-key', '--key', second.apiKey])).toEqual({ revoked: true });
    const refused = await gql(ping, {}, { auth: second.apiKey });
    expect(refused.status).toBe(401);
    expectError(refused, 'UNAUTHENTICATED');
    expectData(await gql(ping, {}, { auth: created.apiKey }));
  });

  it('fails with a message on stderr, nothing on stdout and a non-zero code', async () => {
    const cases: [string[], number | null][] = [
      [['create-api-key', '--org', '00000000-0000-4000-8000-000000000000'], 1],
      [['revoke-api-key', '--key', 'aq_not-a-key'], 1],
      [['create-org'], 2],
      [['create-org', '--name'], 2],
      [['create-org', '--nom', 'x'], 2],
      [['drop-everything'], 2],
      [[], 2],
    ];
    for (const [args, code] of cases) {
      const result = await runAdmin(args, databaseUrl);
      expect(result.code, args.join(' ')).toBe(code);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/attrql admin: /);
    }
  });
});
