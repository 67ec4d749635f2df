// Tracing scenarios (issue 19): the OTLP/HTTP receiver attrql exports its spans to, run by the bench on the load
// generator's core. It answers 200 to every POST (/v1/traces) and discards the body, counting exports and bytes;
// GET /stats returns the counts (GET /health, anything else: 200).
import { createServer } from 'node:http';

let exports = 0;
let bytes = 0;
createServer((req, res) => {
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ exports, bytes }));
    return;
  }
  req.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
  });
  req.on('end', () => {
    exports += 1;
    // An empty protobuf message: a full success (http/protobuf, the SDK's default protocol).
    res.writeHead(200, { 'content-type': 'application/x-protobuf' });
    res.end();
  });
}).listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
