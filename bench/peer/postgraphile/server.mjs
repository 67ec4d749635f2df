// PostGraphile 5 over attrql's own PostgreSQL tables: the public peer of scenario 2b (issue 21). Run with Node 22
// (`npm ci` here installs it beside PostGraphile): node server.mjs, with DATABASE_URL, PORT and HOST set.
// The amber preset, no plugins; GraphiQL and introspection off; /health answers 200 once the schema is built.
import { createServer } from 'node:http';
import { postgraphile } from 'postgraphile';
import { makePgService } from 'postgraphile/adaptors/pg';
import { grafserv } from 'postgraphile/grafserv/node';
import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';

const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [makePgService({ connectionString: process.env.DATABASE_URL, schemas: ['public'] })],
  grafserv: { graphiql: false, watch: false },
  grafast: { explain: false },
};

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
await pgl.getSchema();
// createHandler (not addTo, which answers every path itself): /health is ours, everything else PostGraphile's.
const graphql = serv.createHandler();
const server = createServer((req, res) => {
  if (req.url === '/health') res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  else graphql(req, res, () => res.writeHead(404).end());
});
server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
process.on('SIGTERM', () => server.close(() => pgl.release().then(() => process.exit(0))));
