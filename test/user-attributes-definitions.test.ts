import { beforeAll, describe, expect, it } from 'vitest';
import { db } from '../src/db/client.ts';
import { expectData, expectError, type GraphQLResponse, gql, newOrg } from './helpers/graphql.ts';
import {
  type AttributeJson,
  createAttribute,
  createAttributeMutation,
  createPersons,
  deleteAttributeMutation,
  setGroupValues,
  setUserValue,
  updateAttributeMutation,
  valuesOf,
} from './helpers/user-attributes.ts';

let org: { orgId: string; apiKey: string };
let auth: string;

beforeAll(async () => {
  org = await newOrg('definitions');
  auth = org.apiKey;
});

const create = (input: Record<string, unknown>) =>
  gql<{ createUserAttribute: { userAttribute: AttributeJson } }>(createAttributeMutation, { input }, { auth });
const update = (input: Record<string, unknown>) =>
  gql<{ updateUserAttribute: { userAttribute: AttributeJson } }>(updateAttributeMutation, { input }, { auth });
const issuePaths = (response: GraphQLResponse<unknown>) =>
  (expectError(response, 'BAD_USER_INPUT').extensions?.issues ?? []).map((issue) => issue.path);

describe('createUserAttribute', () => {
  it('creates with the contract defaults and lists attributes by name', async () => {
    const b = await createAttribute(auth, { name: 'b_attr', label: 'B', type: 'NUMBER' });
    expect(b).toMatchObject({
      name: 'b_attr',
      label: 'B',
      type: 'NUMBER',
      defaultValue: null,
      valueIsHidden: false,
      userCanView: true,
      userCanEdit: false,
      hiddenValueDomainWhitelist: null,
    });
    expect(b.id).toMatch(/^[0-9a-f-]{36}$/);
    const a = await createAttribute(auth, {
      name: 'a_attr',
      label: 'A',
      type: 'YESNO',
      defaultValue: 'yes',
      userCanView: false,
      userCanEdit: true,
      hiddenValueDomainWhitelist: 'https://example.com/*',
    });
    expect(a).toMatchObject({ defaultValue: 'yes', userCanView: false, userCanEdit: true });
    const list = expectData(
      await gql<{ userAttributes: AttributeJson[] }>('{ userAttributes { id name } }', {}, { auth }),
    );
    const names = list.userAttributes.map((attribute) => attribute.name);
    expect(names.indexOf('a_attr')).toBeLessThan(names.indexOf('b_attr'));
    expect(names).toEqual([...names].sort());
  });

  it('accepts names of 1 and 255 characters, refuses 0, 256 and names outside ^[a-z][a-z0-9_]*$', async () => {
    expectData(await create({ name: 'n', label: 'n1', type: 'STRING' }));
    expectData(await create({ name: `n${'x'.repeat(254)}`, label: 'n255', type: 'STRING' }));
    for (const name of ['', `n${'x'.repeat(255)}`, 'Upper', '1abc', '_abc', 'a-b', 'a b', 'é']) {
      expect(issuePaths(await create({ name, label: 'bad name', type: 'STRING' })), name).toEqual([['input', 'name']]);
    }
  });

  it('accepts labels of 1 and 255 characters (code points), refuses 0 and 256', async () => {
    expectData(await create({ name: 'l1', label: 'x', type: 'STRING' }));
    expectData(await create({ name: 'l255', label: '😀'.repeat(255), type: 'STRING' }));
    for (const label of ['', 'y'.repeat(256), '😀'.repeat(256)]) {
      expect(issuePaths(await create({ name: 'lbad', label, type: 'STRING' }))).toEqual([['input', 'label']]);
    }
  });

  it('reports every offending field at once', async () => {
    const paths = issuePaths(await create({ name: 'Bad', label: '', type: 'NUMBER', defaultValue: 'ten' }));
    expect(paths).toEqual(
      expect.arrayContaining([
        ['input', 'name'],
        ['input', 'label'],
        ['input', 'defaultValue'],
      ]),
    );
    expect(paths).toHaveLength(3);
  });

  it('answers CONFLICT for a taken name or label, and writes nothing', async () => {
    await createAttribute(auth, { name: 'unique_one', label: 'Unique one' });
    expectError(await create({ name: 'unique_one', label: 'Other label', type: 'STRING' }), 'CONFLICT');
    expectError(await create({ name: 'unique_two', label: 'Unique one', type: 'STRING' }), 'CONFLICT');
    expect(await db.userAttribute.count({ where: { orgId: org.orgId, name: 'unique_two' } })).toBe(0);
  });

  it('allows the same name and label in another organization', async () => {
    const other = await newOrg('other');
    await createAttribute(auth, { name: 'shared_name', label: 'Shared' });
    await createAttribute(other.apiKey, { name: 'shared_name', label: 'Shared' });
  });

  it('checks defaultValue against the type', async () => {
    const cases: [string, string[], string[]][] = [
      ['NUMBER', ['0', '-1.5', '.5', '1.', '1e10', '-2E-3'], ['', 'ten', '1,5', '1e', '--1', '1e999', 'NaN', ' 1']],
      ['YESNO', ['yes', 'no'], ['Yes', 'true', 'y', '']],
      [
        'DATETIME',
        ['2026-11-23', '2026-11-23T10:00Z', '2026-11-23T10:00:59+02:00', '2024-02-29T23:59:59.123-05:30'],
        ['2026-11-23T10:00', '2026-13-01', '2026-02-30', '2026-11-23 10:00Z', '2026-11-23T24:00Z', '23/11/2026'],
      ],
      ['ZIPCODE', ['12345', '12345-6789'], ['1234', '123456', '12345-678', 'abcde', '12345 6789']],
    ];
    let index = 0;
    for (const [type, good, bad] of cases) {
      for (const defaultValue of good) {
        index += 1;
        const response = await create({ name: `typed_${index}`, label: `typed ${index}`, type, defaultValue });
        expect(expectData(response).createUserAttribute.userAttribute.defaultValue, `${type} ${defaultValue}`).toBe(
          defaultValue,
        );
      }
      for (const defaultValue of bad) {
        expect(
          issuePaths(await create({ name: 'typed_bad', label: 'typed bad', type, defaultValue })),
          `${type} ${defaultValue}`,
        ).toEqual([['input', 'defaultValue']]);
      }
    }
  });

  it('accepts a 65,536-byte default of a free-text type and refuses 65,537 bytes', async () => {
    for (const type of ['STRING', 'ADVANCED_FILTER_STRING', 'ADVANCED_FILTER_NUMBER', 'ADVANCED_FILTER_DATETIME']) {
      const name = `big_${type.toLowerCase()}`;
      expectData(await create({ name, label: name, type, defaultValue: `é${'x'.repeat(65_534)}` }));
      expect(
        issuePaths(
          await create({ name: `${name}_2`, label: `${name} 2`, type, defaultValue: `é${'x'.repeat(65_535)}` }),
        ),
      ).toEqual([['input', 'defaultValue']]);
    }
  });

  it('bounds hiddenValueDomainWhitelist at 65,536 bytes', async () => {
    expectData(
      await create({ name: 'wl_ok', label: 'wl ok', type: 'STRING', hiddenValueDomainWhitelist: 'w'.repeat(65_536) }),
    );
    expect(
      issuePaths(
        await create({
          name: 'wl_bad',
          label: 'wl bad',
          type: 'STRING',
          hiddenValueDomainWhitelist: 'w'.repeat(65_537),
        }),
      ),
    ).toEqual([['input', 'hiddenValueDomainWhitelist']]);
  });

  it('refuses NUL and lone surrogates in every string', async () => {
    const response = await create({ name: 'nul', label: 'a\u0000b', type: 'STRING', defaultValue: '\ud800' });
    const paths = issuePaths(response);
    expect(paths).toHaveLength(2);
    expect(paths).toEqual(
      expect.arrayContaining([
        ['input', 'label'],
        ['input', 'defaultValue'],
      ]),
    );
  });
});

describe('updateUserAttribute', () => {
  let attribute: AttributeJson;
  beforeAll(async () => {
    attribute = await createAttribute(auth, {
      name: 'updatable',
      label: 'Updatable',
      type: 'NUMBER',
      defaultValue: '1',
      hiddenValueDomainWhitelist: 'example.com',
    });
  });

  it('leaves omitted fields unchanged', async () => {
    const data = expectData(await update({ userAttributeId: attribute.id, userCanEdit: true }));
    expect(data.updateUserAttribute.userAttribute).toEqual({ ...attribute, userCanEdit: true });
  });

  it('clears nullable fields given as explicit null', async () => {
    const data = expectData(
      await update({ userAttributeId: attribute.id, defaultValue: null, hiddenValueDomainWhitelist: null }),
    );
    expect(data.updateUserAttribute.userAttribute).toMatchObject({
      defaultValue: null,
      hiddenValueDomainWhitelist: null,
    });
    expect(data.updateUserAttribute.userAttribute.label).toBe('Updatable');
  });

  it('refuses null for the label, which cannot be empty', async () => {
    const response = await update({ userAttributeId: attribute.id, label: null, userCanView: null });
    expect(issuePaths(response)).toEqual([['input', 'label']]);
  });

  it('clears the flags back to their defaults with an explicit null', async () => {
    expectData(
      await update({ userAttributeId: attribute.id, valueIsHidden: true, userCanView: false, userCanEdit: true }),
    );
    const data = expectData(
      await update({ userAttributeId: attribute.id, valueIsHidden: null, userCanView: null, userCanEdit: null }),
    );
    expect(data.updateUserAttribute.userAttribute).toMatchObject({
      valueIsHidden: false,
      userCanView: true,
      userCanEdit: false,
    });
  });

  it('checks the new default against the stored type and writes nothing on failure', async () => {
    const response = await update({ userAttributeId: attribute.id, defaultValue: 'abc', label: 'Renamed' });
    expect(issuePaths(response)).toEqual([['input', 'defaultValue']]);
    const row = await db.userAttribute.findUniqueOrThrow({
      where: { orgId_id: { orgId: org.orgId, id: attribute.id } },
    });
    expect(row.label).toBe('Updatable');
    expectData(await update({ userAttributeId: attribute.id, defaultValue: '-2.5e3' }));
  });

  it('updates every field at once', async () => {
    const data = expectData(
      await update({
        userAttributeId: attribute.id,
        label: 'New label',
        defaultValue: '42',
        valueIsHidden: false,
        userCanView: false,
        userCanEdit: false,
        hiddenValueDomainWhitelist: 'a.example',
      }),
    );
    expect(data.updateUserAttribute.userAttribute).toEqual({
      ...attribute,
      label: 'New label',
      defaultValue: '42',
      userCanView: false,
      userCanEdit: false,
      hiddenValueDomainWhitelist: 'a.example',
    });
  });

  it('answers CONFLICT for another attribute’s label, keeps its own label', async () => {
    await createAttribute(auth, { name: 'label_owner', label: 'Owned label' });
    expectError(await update({ userAttributeId: attribute.id, label: 'Owned label' }), 'CONFLICT');
    expectData(await update({ userAttributeId: attribute.id, label: 'New label' }));
  });

  it('answers NOT_FOUND for an unknown attribute', async () => {
    expectError(await update({ userAttributeId: 'nope', label: 'x' }), 'NOT_FOUND');
  });
});

describe('deleteUserAttribute', () => {
  it('deletes the attribute with its group and person values, and changes those persons’ eTags', async () => {
    const doomed = await createAttribute(auth, { name: 'doomed', label: 'Doomed' });
    await createPersons(auth, ['holder', 'bystander']);
    await setGroupValues(auth, doomed.id, [{ group: 'staff', value: 'g' }]);
    await setUserValue(auth, 'holder', doomed.id, 'mine');
    const eTags = async () =>
      Object.fromEntries(
        (await db.person.findMany({ where: { orgId: org.orgId, id: { in: ['holder', 'bystander'] } } })).map((p) => [
          p.id,
          p.eTag,
        ]),
      );
    const before = await eTags();
    const data = expectData(
      await gql<{ deleteUserAttribute: { deletedUserAttributeId: string } }>(
        deleteAttributeMutation,
        { input: { userAttributeId: doomed.id } },
        { auth },
      ),
    );
    expect(data.deleteUserAttribute.deletedUserAttributeId).toBe(doomed.id);
    const after = await eTags();
    expect(after.holder).not.toBe(before.holder);
    expect(after.bystander).toBe(before.bystander);
    expect(await db.userAttributeGroupValue.count({ where: { orgId: org.orgId, userAttributeId: doomed.id } })).toBe(0);
    expect(await db.userAttributeValue.count({ where: { orgId: org.orgId, userAttributeId: doomed.id } })).toBe(0);
    expect((await valuesOf(auth, 'holder', { includeUnset: true })).map((v) => v.name)).not.toContain('doomed');
    expectError(await gql(deleteAttributeMutation, { input: { userAttributeId: doomed.id } }, { auth }), 'NOT_FOUND');
    // The name is free again.
    await createAttribute(auth, { name: 'doomed', label: 'Doomed' });
  });
});
