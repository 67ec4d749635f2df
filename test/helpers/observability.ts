import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';
import { requireTool } from './required-tool.ts';

/** `promtool`, or undefined (the test then skips with the reason; under CI it fails: requireTool). */
export function findPromtool(): string | undefined {
  return requireTool('promtool (Debian package prometheus)', () =>
    spawnSync('promtool', ['--version']).status === 0 ? 'promtool' : undefined,
  );
}

/**
 * prom-client's default metrics have lint problems of their own (gauges named `*_total`, PLATFORM.md): accepted;
 * anything else promtool reports fails the test.
 */
const knownDefaultLint =
  /^nodejs_active_(handles|requests|resources)_total non-counter metrics should not have "_total" suffix$/;

/** `promtool check metrics` on an exposition: parse errors and lint problems, less the three known ones. */
export function promtoolProblems(promtool: string, exposition: string): { status: number | null; problems: string[] } {
  const checked = spawnSync(promtool, ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
  const lines = `${checked.stdout}\n${checked.stderr}`.split('\n').map((line) => line.trim());
  return { status: checked.status, problems: lines.filter((line) => line !== '' && !knownDefaultLint.test(line)) };
}

/** One sample of an exposition: name, labels, value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (our labels hold no quotes or commas, so a simple split does). */
export function samples(exposition: string): Sample[] {
  const found: Sample[] = [];
  for (const line of exposition.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').match(/[a-zA-Z_]+="(?:[^"\\]|\\.)*"/g) ?? []) {
      const eq = pair.indexOf('=');
      labels[pair.slice(0, eq)] = pair.slice(eq + 2, -1);
    }
    found.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return found;
}

/** The value of the one sample named `name` whose labels include `labels`, or undefined. */
export function sampleValue(all: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return all.find(
    (sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  )?.value;
}

/** A span as the test receiver decoded it (JSON or protobuf), ids in hex. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  attributes: Record<string, string | number | boolean>;
}

/**
 * An OTLP/HTTP trace receiver on the loopback interface: POST /v1/traces with JSON (`application/json`) or
 * protobuf (`application/x-protobuf`); it answers 200 `{}` and keeps every span.
 */
export async function startOtlpReceiver(): Promise<{
  url: string;
  spans: ReceivedSpan[];
  contentTypes: Set<string>;
  close: () => Promise<void>;
}> {
  const spans: ReceivedSpan[] = [];
  const contentTypes = new Set<string>();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const type = String(request.headers['content-type'] ?? '');
      contentTypes.add(type);
      if (request.url === '/v1/traces') {
        spans.push(...(type.includes('json') ? jsonSpans(body.toString('utf8')) : protobufSpans(body)));
      }
      const json = type.includes('json');
      response.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
      response.end(json ? '{}' : undefined);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    spans,
    contentTypes,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

interface JsonValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
}

function jsonSpans(text: string): ReceivedSpan[] {
  const request = JSON.parse(text) as {
    resourceSpans: {
      scopeSpans: {
        spans: {
          traceId: string;
          spanId: string;
          parentSpanId?: string;
          name: string;
          attributes?: { key: string; value: JsonValue }[];
        }[];
      }[];
    }[];
  };
  return request.resourceSpans.flatMap((resource) =>
    resource.scopeSpans.flatMap((scope) =>
      scope.spans.map((span) => ({
        traceId: span.traceId,
        spanId: span.spanId,
        parentSpanId: span.parentSpanId ?? '',
        name: span.name,
        attributes: Object.fromEntries(
          (span.attributes ?? []).map(({ key, value }) => [
            key,
            value.stringValue ?? value.boolValue ?? Number(value.intValue ?? value.doubleValue),
          ]),
        ),
      })),
    ),
  );
}

/**
 * The protobuf wire format of ExportTraceServiceRequest (opentelemetry-proto), read field by field: resource_spans
 * (1) → scope_spans (2) → spans (2) → trace_id (1), span_id (2), parent_span_id (4), name (5), attributes (9:
 * KeyValue key 1, AnyValue 2: string 1, bool 2, int 3, double 4). Other fields are skipped.
 */
function protobufSpans(body: Buffer): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const resource of fieldsOf(body).filter((f) => f.number === 1)) {
    for (const scope of fieldsOf(resource.bytes).filter((f) => f.number === 2)) {
      for (const span of fieldsOf(scope.bytes).filter((f) => f.number === 2)) {
        const fields = fieldsOf(span.bytes);
        const bytes = (n: number) => fields.find((f) => f.number === n)?.bytes ?? Buffer.alloc(0);
        const attributes: ReceivedSpan['attributes'] = {};
        for (const pair of fields.filter((f) => f.number === 9)) {
          const kv = fieldsOf(pair.bytes);
          const key = kv.find((f) => f.number === 1)?.bytes.toString('utf8') ?? '';
          const any = fieldsOf(kv.find((f) => f.number === 2)?.bytes ?? Buffer.alloc(0))[0];
          if (!any) continue;
          attributes[key] =
            any.number === 1
              ? any.bytes.toString('utf8')
              : any.number === 2
                ? any.varint === 1n
                : any.number === 4
                  ? any.bytes.readDoubleLE(0)
                  : Number(any.varint);
        }
        spans.push({
          traceId: bytes(1).toString('hex'),
          spanId: bytes(2).toString('hex'),
          parentSpanId: bytes(4).toString('hex'),
          name: bytes(5).toString('utf8'),
          attributes,
        });
      }
    }
  }
  return spans;
}

interface WireField {
  number: number;
  bytes: Buffer;
  varint: bigint;
}

function fieldsOf(buffer: Buffer): WireField[] {
  const fields: WireField[] = [];
  let at = 0;
  const varint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const byte = buffer[at++] as number;
      result |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return result;
    }
  };
  while (at < buffer.length) {
    const tag = Number(varint());
    const number = tag >> 3;
    const wire = tag & 7;
    if (wire === 0) fields.push({ number, bytes: Buffer.alloc(0), varint: varint() });
    else if (wire === 2) {
      const length = Number(varint());
      fields.push({ number, bytes: buffer.subarray(at, at + length), varint: 0n });
      at += length;
    } else if (wire === 1) {
      fields.push({ number, bytes: buffer.subarray(at, at + 8), varint: 0n });
      at += 8;
    } else if (wire === 5) {
      fields.push({ number, bytes: buffer.subarray(at, at + 4), varint: 0n });
      at += 4;
    } else throw new Error(`unexpected protobuf wire type ${wire}`);
  }
  return fields;
}

/** A real Prometheus scraping `target` (host:port) every second, in a directory of its own removed by `stop`. */
export async function startScrapingPrometheus(target: string) {
  const dir = mkdtempSync(join(tmpdir(), 'attrql-prometheus-'));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    [
      'global:',
      '  scrape_interval: 1s',
      'scrape_configs:',
      '  - job_name: attrql',
      `    static_configs: [{ targets: ['${target}'] }]`,
      '',
    ].join('\n'),
  );
  const prometheus = startPrometheus(dir, config, await freePort());
  return {
    ...prometheus,
    stop: async () => {
      await prometheus.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts `prometheus` with a config file and storage in `dir`; stopped by its pid. */
function startPrometheus(dir: string, config: string, port: number) {
  const child = spawn(
    'prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${dir}/data`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  return {
    url: `http://127.0.0.1:${port}`,
    logs: () => stderr,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}
