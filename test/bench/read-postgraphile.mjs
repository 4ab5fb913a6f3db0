#!/usr/bin/env node
// PostGraphile 5 (the Amber preset, grafserv on node:http) over the bench's database, the peer
// `pnpm bench read` measures Cofactor's rewards list against. Started by read.mjs as a child
// process, in production mode, without GraphiQL, watch mode, subscriptions or SQL functions.
//   READ_POSTGRAPHILE_URL   the database;  READ_POSTGRAPHILE_PORT   where to listen (127.0.0.1)
//   READ_POSTGRAPHILE_POOL  its pg pool size (Cofactor's, so neither has more connections)
import { createServer } from 'node:http';
import { makePgService } from 'postgraphile/adaptors/pg';
import { grafserv } from 'postgraphile/grafserv/node';
import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';
import { postgraphile } from 'postgraphile';

const preset = {
  extends: [PostGraphileAmberPreset],
  // Cofactor's SQL helper functions are not API: one (analytics_active) shares a table's name,
  // which PostGraphile refuses to start with. The list needs no function.
  disablePlugins: ['PgProceduresPlugin'],
  pgServices: [makePgService({ connectionString: process.env.READ_POSTGRAPHILE_URL, schemas: ['public'], poolConfig: { max: Number(process.env.READ_POSTGRAPHILE_POOL) } })],
  grafserv: { graphiql: false, watch: false, websockets: false },
  grafast: { explain: false },
};

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
const server = createServer({ keepAliveTimeout: 60_000 });
server.on('error', (error) => {
  console.error(error);
  process.exit(1);
});
await serv.addTo(server);
// Built before the first request, so the bench's warm-up does not time the introspection.
await pgl.getSchema();

const stop = () => {
  server.close();
  server.closeAllConnections();
  Promise.resolve(pgl.release()).finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
server.listen(Number(process.env.READ_POSTGRAPHILE_PORT), '127.0.0.1', () => console.log(`postgraphile listening on ${server.address().port}`));
