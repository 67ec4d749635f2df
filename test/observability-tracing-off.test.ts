import { afterAll, describe, expect, it } from 'vitest';
import { createOrganization } from '../src/domain/organizations.ts';
import { startOtlpReceiver } from './helpers/observability.ts';
import { call } from './helpers/rest.ts';
import { type ServerProcess, startServerProcess } from './helpers/server-process.ts';
import { createPerson, merge } from './helpers/subscriptions.ts';

// CONTRACT §11 / issue 19: without OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT nothing of the OpenTelemetry SDK is loaded —
// not at start, not while serving. A real attrql process lists every module it loaded (helpers/module-probe.ts);
// the same process with the variable set shows the SDK, so the listing does see it when it is there.

const servers: ServerProcess[] = [];
afterAll(async () => {
  for (const server of servers) await server.stop();
});

/** The modules of an attrql process after it served GraphQL queries and mutations and a REST call. */
async function modulesAfterServing(env: Record<string, string>): Promise<string[]> {
  const { apiKey, orgId } = await createOrganization('tracing-off');
  const server = await startServerProcess(process.env.DATABASE_URL as string, env, {
    entry: 'test/helpers/module-probe.ts',
    ipc: true,
  });
  servers.push(server);
  await createPerson(server.url, apiKey, 'traced-or-not');
  await merge(server.url, apiKey, 'traced-or-not', 'end_user_read_write', { n: 1 });
  const slashid = { 'SlashID-OrgID': orgId, 'SlashID-API-Key': apiKey };
  const rest = await call(server.url, 'GET', '/persons/traced-or-not/attributes/end_user_read_write', {
    headers: slashid,
  });
  expect(rest.status).toBe(200);
  return new Promise((resolve) => {
    server.process.once('message', (message) => resolve((message as { modules: string[] }).modules));
    server.process.send?.('modules');
  });
}

const sdkModule = /node_modules\/@opentelemetry\/(sdk-|exporter-|otlp-|context-async-hooks|resources|core)/;

describe('tracing off', () => {
  it('loads no module of the OpenTelemetry SDK (exporters, context manager included) while serving', async () => {
    const env: Record<string, string> = {};
    for (const name of Object.keys(process.env)) if (name.startsWith('OTEL_')) env[name] = '';
    const modules = await modulesAfterServing(env);
    expect(modules.some((url) => url.includes('/src/observability/tracing.ts'))).toBe(true); // the probe sees ours
    expect(modules.filter((url) => sdkModule.test(url))).toEqual([]);
  }, 90_000);

  it('the same listing shows the SDK when OTEL_EXPORTER_OTLP_ENDPOINT is set', async () => {
    const receiver = await startOtlpReceiver();
    try {
      const modules = await modulesAfterServing({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
      expect(modules.some((url) => /node_modules\/@opentelemetry\/sdk-node\//.test(url))).toBe(true);
      expect(modules.some((url) => /node_modules\/@opentelemetry\/sdk-trace\//.test(url))).toBe(true);
    } finally {
      await receiver.close();
    }
  }, 90_000);
});
