#!/usr/bin/env node
// The floor under `pnpm bench read`: node:http and a pg pool running the very statement Cofactor
// runs for a partner's rewards list (the server's own LedgerService.list on its own Sql pool,
// the same size), answering with the JSON Cofactor's list answers — and nothing else: no
// GraphQL, no token, no per-request context. Started by read.mjs as a child process.
//   READ_FLOOR_URL   the database;  READ_FLOOR_PORT   where to listen (127.0.0.1)
//   READ_FLOOR_PROGRAM  the program id
// A request is a POST whose JSON body has `variables.partnerId` and `variables.first`.
import { createServer } from 'node:http';
import { Sql, StatementCounter } from '../../server/dist/db/sql.js';
import { LedgerService } from '../../server/dist/ledger/ledger.service.js';

const MAX_BODY = 64 * 1024;
const MAX_FIRST = 100; // Cofactor's page-size limit

const sql = new Sql(process.env.READ_FLOOR_URL, new StatementCounter());
const ledger = new LedgerService(sql);
const programId = process.env.READ_FLOOR_PROGRAM;

/** An amount as Cofactor's BigInt scalar writes it: a JSON number while it is a safe integer. */
const amountJson = (text) => (Number.isSafeInteger(Number(text)) ? Number(text) : text);

/** The nodes in the shape and field order of the bench's Cofactor list query. */
function toBody(rows) {
  const edges = rows.map((row) => ({
    node: { id: row.id, amount: amountJson(row.amount), unit: row.unit, kind: row.kind, status: row.status, createdAt: row.createdAt, explanation: { en: row.explanationEn, ru: row.explanationRu } },
  }));
  return JSON.stringify({ data: { rewards: { edges } } });
}

async function answer(body) {
  const { partnerId, first } = JSON.parse(body).variables;
  const size = Math.min(MAX_FIRST, Math.max(1, Number(first) || 50));
  // size + 1, as the API asks, to know whether a next page exists.
  const rows = await ledger.list(programId, { partnerId: String(partnerId) }, null, size + 1);
  return toBody(rows.slice(0, size));
}

const server = createServer({ keepAliveTimeout: 60_000 }, (request, response) => {
  let body = '';
  request.setEncoding('utf8');
  request.on('data', (chunk) => {
    body += chunk;
    if (body.length > MAX_BODY) request.destroy();
  });
  request.on('end', () => {
    answer(body).then(
      (json) => response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) }).end(json),
      (error) => response.writeHead(500, { 'content-type': 'text/plain' }).end(String(error.message)),
    );
  });
});

const stop = () => {
  server.close();
  server.closeAllConnections();
  sql.close().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
server.listen(Number(process.env.READ_FLOOR_PORT), '127.0.0.1', () => console.log(`floor listening on ${server.address().port}`));
