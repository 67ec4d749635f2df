import { describe, expect, it } from 'vitest';
import { authenticateCredential } from '../src/auth/authenticate.ts';
import { hashSecret } from '../src/auth/secrets.ts';
import { statementCounter } from '../src/db/statement-counter.ts';
import { createApiKey } from '../src/domain/organizations.ts';
import { credentialCheckMs, watchCredential } from '../src/live/credential-watch.ts';
import { newOrg } from './helpers/graphql.ts';

// Issue 23 (fan-out): the credentials of open subscriptions are checked every 2 s. Each check is a key lookup; the
// lookups of one round must share one statement (loaders/shared-batch.ts), or a hundred API keys with subscriptions
// open keep every other organization's pool busy with a statement per handful of keys.

describe('credential checks of open subscriptions', () => {
  it('checks 120 API keys in one round with one statement', async () => {
    const org = await newOrg('credential-watch');
    const keys = [org.apiKey];
    while (keys.length < 120) keys.push((await createApiKey(org.orgId)).apiKey);
    const ended: string[] = [];
    const stops = keys.map((key, i) =>
      watchCredential(
        hashSecret(key),
        async () => {
          await authenticateCredential(key);
          return null;
        },
        () => ended.push(`key ${i}`),
      ),
    );
    try {
      // One whole round (the timer started with the first watch), and no more.
      const round = await statementCounter.measure(
        () => new Promise((resolve) => setTimeout(resolve, credentialCheckMs * 1.5)),
      );
      const lookups = round.statements.filter((sql) => /FROM "ApiKey"/.test(sql));
      expect(lookups).toHaveLength(1);
      expect(ended).toEqual([]);
    } finally {
      for (const stop of stops) stop();
    }
  });
});
