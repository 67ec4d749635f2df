import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Locator } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../src/db/providers.ts';
import { runAdmin } from './helpers/admin-cli.ts';
import { createTestDatabase } from './helpers/database.ts';
import { requireTool } from './helpers/required-tool.ts';
import { httpGql, type ServerProcess, startServerProcess } from './helpers/server-process.ts';

// GraphiQL as a new user meets it: a real Chromium (Debian's package, no browser download) loads /graphql with
// nothing reachable but loopback, the user puts the API key under Headers and runs the first example operation.
const executablePath = requireTool('Chromium (apt-get install -y chromium, or CHROMIUM_PATH)', () => {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  return existsSync(path) ? path : undefined;
});

/** Monaco renders spaces as no-break spaces. */
const textOf = async (locator: Locator) => (await locator.innerText()).replaceAll('\u00a0', ' ');

let browser: Browser | undefined;
let server: ServerProcess | undefined;
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe.skipIf(!executablePath)('GraphiQL in a browser, offline', () => {
  it('loads without any request beyond loopback and runs CreateAda with the Authorization header set', async () => {
    const database = await createTestDatabase('graphiql-browser');
    const created = await runAdmin(['create-org', '--name', 'browser'], database.url);
    expect(created.code, created.stderr).toBe(0);
    const { apiKey } = JSON.parse(created.stdout);
    server = await startServerProcess(database.url);

    // --no-sandbox: Chromium's sandbox refuses to run as root, which CI here is.
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const beyondLoopback: string[] = [];
    await page.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.protocol === 'data:' || url.protocol === 'blob:' || url.hostname === '127.0.0.1') return route.continue();
      beyondLoopback.push(url.href);
      return route.abort();
    });

    await page.goto(`${server.url}/graphql`);
    await page.locator('.graphiql-container').first().waitFor({ timeout: 30_000 });
    const headersEditor = page.locator('.monaco-editor[data-uri$="request-headers.json"]');
    await expect.poll(() => textOf(headersEditor)).toContain('Bearer <your org API key or person token>');

    // Replace the header template, as a user would: select all, delete, type.
    await headersEditor.click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Backspace');
    await page.keyboard.type(JSON.stringify({ Authorization: `Bearer ${apiKey}` }));

    // Several operations: the run button asks which one; the first is CreateAda.
    await page.getByRole('button', { name: /^Execute query/ }).click();
    const operations = page.getByRole('menuitem');
    await expect
      .poll(() => operations.allTextContents())
      .toEqual([
        'CreateAda',
        'MergeAdaAttributes',
        'Ada',
        'AdaHistory',
        'FollowChanges',
        'WebhookEndpoints',
        'MintAdaToken',
        'Me',
        'UpdateMyAttributes',
      ]);
    await operations.first().click();

    const result = page.locator('section[aria-label="Result Window"]');
    await expect.poll(() => textOf(result), { timeout: 30_000 }).toContain('"ada@example.com"');
    const shown = await textOf(result);
    expect(shown).toContain('"createPerson"');
    expect(shown).toContain('"id": "ada"');
    expect(shown).not.toContain('"errors"');
    mkdirSync(join(repoRoot, 'test-results'), { recursive: true });
    await page.screenshot({ path: join(repoRoot, 'test-results', 'graphiql-create-ada.png') });

    expect(beyondLoopback).toEqual([]);
    // The person really exists, seen through the API itself.
    const read = await httpGql(server.url, '{ person(id: "ada") { id handles { value } } }', {}, apiKey);
    expect(read.data).toEqual({ person: { id: 'ada', handles: [{ value: 'ada@example.com' }] } });
  }, 120_000);
});
