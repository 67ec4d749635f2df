import { LookerNodeSDK, NodeSettings } from '@looker/sdk-node';
import { DelimArray, LookerSDKError } from '@looker/sdk-rtl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newOrg } from './helpers/graphql.ts';
import { createPerson } from './helpers/persons.ts';
import { startRestServer } from './helpers/rest.ts';
import { httpGql, type ServerProcess } from './helpers/server-process.ts';
import { type AttributeJson, createAttribute, type ValueJson, valuesQuery } from './helpers/user-attributes.ts';

// The official @looker/sdk-node, unchanged: init40 with base_url pointed at a started attrql, client_id = org id
// and client_secret = an org API key (read from the environment, as the SDK does), logging in on first call.

const envPrefix = 'ATTRQL_LOOKER_TEST';
let server: ServerProcess;
let org: { orgId: string; apiKey: string };
let locale: AttributeJson;

function sdkFor(clientId: string, clientSecret: string) {
  process.env[`${envPrefix}_CLIENT_ID`] = clientId;
  process.env[`${envPrefix}_CLIENT_SECRET`] = clientSecret;
  const settings = new NodeSettings(envPrefix, { base_url: server.url, verify_ssl: false, timeout: 30 } as never);
  return LookerNodeSDK.init40(settings);
}

beforeAll(async () => {
  org = await newOrg('looker-sdk');
  server = await startRestServer();
  locale = await createAttribute(org.apiKey, { name: 'locale', label: 'Locale', type: 'STRING', defaultValue: 'en' });
});
afterAll(() => server?.stop());

describe('@looker/sdk-node against attrql', () => {
  it('set_user_attribute_user_value, user_attribute_user_values, delete_user_attribute_user_value', async () => {
    const sdk = sdkFor(org.orgId, org.apiKey);
    const person = await createPerson(org.apiKey);
    const set = await sdk.ok(sdk.set_user_attribute_user_value(person.id, locale.id, { value: 'de' }));
    expect(set).toMatchObject({
      name: 'locale',
      value: 'de',
      source: 'user',
      user_id: person.id,
      user_attribute_id: locale.id,
    });

    const viaGraphql = await httpGql<{ userAttributeValues: ValueJson[] }>(
      server.url,
      valuesQuery,
      { userId: person.id },
      org.apiKey,
    );
    expect(viaGraphql.data?.userAttributeValues.map((v) => [v.name, v.value, v.source])).toEqual([
      ['locale', 'de', 'USER'],
    ]);

    const listed = await sdk.ok(
      sdk.user_attribute_user_values({
        user_id: person.id,
        fields: 'name,value,source',
        user_attribute_ids: new DelimArray([locale.id]),
      }),
    );
    expect(listed).toEqual([{ name: 'locale', value: 'de', source: 'user' }]);

    await sdk.ok(sdk.delete_user_attribute_user_value(person.id, locale.id));
    const after = await sdk.ok(sdk.user_attribute_user_values({ user_id: person.id, fields: 'value,source' }));
    expect(after).toEqual([{ value: 'en', source: 'default' }]);
    await sdk.authSession.logout().catch(() => undefined);
  });

  it('surfaces attrql’s errors as the SDK’s LookerSDKError (422 validation, 404 unknown user)', async () => {
    const sdk = sdkFor(org.orgId, org.apiKey);
    const number = await createAttribute(org.apiKey, { name: 'age', label: 'Age', type: 'NUMBER' });
    const person = await createPerson(org.apiKey);
    const invalid = await sdk
      .ok(sdk.set_user_attribute_user_value(person.id, number.id, { value: 'old' }))
      .catch((e) => e);
    expect(invalid).toBeInstanceOf(LookerSDKError);
    expect((invalid as LookerSDKError).message).toBe('Validation Failed');
    expect((invalid as LookerSDKError).errors?.[0]).toMatchObject({ code: 'invalid' });
    const unknown = await sdk
      .ok(sdk.set_user_attribute_user_value('nobody', number.id, { value: '1' }))
      .catch((e) => e);
    expect(unknown).toBeInstanceOf(LookerSDKError);
  });

  it('fails to log in with a wrong secret, as the SDK’s error', async () => {
    const sdk = sdkFor(org.orgId, 'aq_not-a-key');
    const failed = await sdk.ok(sdk.user_attribute_user_values({ user_id: 'x' })).catch((e) => e);
    expect(failed).toBeInstanceOf(Error);
  });
});
