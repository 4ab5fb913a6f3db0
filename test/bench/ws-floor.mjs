#!/usr/bin/env node
// The cost of one WebSocket push with nothing of Cofactor in it: a `ws` server sending a
// graphql-ws `next` message of a board's size to connections held by client processes, which
// parse each. It is the floor under `pnpm bench live`'s push figures: no server can push and
// no client can take a board for less CPU than this on the same machine. See `--help`.
import { fork } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import WebSocket, { WebSocketServer } from 'ws';
import { fmt, log, readArgs } from './common.mjs';

const USAGE = `Usage: node test/bench/ws-floor.mjs [options]   (or: pnpm bench ws-floor -- [options])

Sends a graphql-ws "next" message of a top-N board's size to every connection, round after
round, from one process to client processes on 127.0.0.1 that parse each message, and prints
the CPU each side spends per message (process.cpuUsage: user and system time), and how many
such messages per second the machine's cores could carry at most if they did nothing else.

Options (defaults in brackets):
  --connections N   WebSocket connections, spread over the client processes   [2000]
  --clients N       client processes                                          [4]
  --entries N       board entries per message (about 60 bytes each)          [100]
  --rounds N        messages sent to every connection                         [20]
  --help            print this help`;

const ROUND_GAP_MS = 50;

/** A `leaderboardChanged` push of `entries` entries, as graphql-ws sends it. */
function boardMessage(entries) {
  const edges = Array.from({ length: entries }, (_, i) => ({ node: { rank: i + 1, value: String(9_000_000 - i * 1_337), partner: { id: String(100_000 + i) } } }));
  return JSON.stringify({ id: '3f2b8c1e-7d4a-4f6e-9b0c-1a2b3c4d5e6f', type: 'next', payload: { data: { leaderboardChanged: { edges } } } });
}

/** A client process: opens its connections, parses every message, reports its CPU on request. */
function client() {
  const [port, count] = process.env.WS_FLOOR_CLIENT.split(':').map(Number);
  let received = 0;
  let started = null;
  for (let i = 0; i < count; i++) {
    const socket = new WebSocket(`ws://127.0.0.1:${port}`);
    socket.on('message', (data) => {
      started ??= process.cpuUsage();
      JSON.parse(data.toString());
      received += 1;
    });
    socket.on('error', (error) => process.send({ type: 'error', message: error.message }));
  }
  process.on('message', () => {
    const used = process.cpuUsage(started ?? undefined);
    process.send({ type: 'report', received, micros: started ? used.user + used.system : 0 }, () => process.exit(0));
  });
}

async function server() {
  const { integer } = readArgs(USAGE, { connections: { type: 'string', default: '2000' }, clients: { type: 'string', default: '4' }, entries: { type: 'string', default: '100' }, rounds: { type: 'string', default: '20' } });
  const opts = { connections: integer('connections', 1, 100_000), clients: integer('clients', 1, 64), entries: integer('entries', 1, 1000), rounds: integer('rounds', 1, 10_000) };
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => wss.once('listening', resolve));
  const sockets = [];
  wss.on('connection', (socket) => sockets.push(socket));
  const per = Math.ceil(opts.connections / opts.clients);
  const children = Array.from({ length: opts.clients }, (_, i) => {
    const count = Math.max(0, Math.min(per, opts.connections - i * per));
    return fork(fileURLToPath(import.meta.url), [], { env: { ...process.env, WS_FLOOR_CLIENT: `${wss.address().port}:${count}` } });
  });
  children.forEach((child) => child.on('message', (message) => message.type === 'error' && log(`client: ${message.message}`)));
  while (sockets.length < opts.connections) await new Promise((resolve) => setTimeout(resolve, 50));
  const message = boardMessage(opts.entries);
  log(`${fmt(opts.connections)} connections open; sending ${fmt(opts.rounds)} rounds of ${fmt(message.length)}-byte messages`);

  const before = process.cpuUsage();
  for (let round = 0; round < opts.rounds; round++) {
    for (const socket of sockets) socket.send(message);
    await new Promise((resolve) => setTimeout(resolve, ROUND_GAP_MS));
  }
  const sent = process.cpuUsage(before);
  // Let the clients take the last round, then ask each for its count and CPU.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const reports = await Promise.all(children.map((child) => new Promise((resolve) => {
    child.on('message', (report) => report.type === 'report' && resolve(report));
    child.send('report');
  })));
  wss.close();
  for (const socket of sockets) socket.terminate();

  const messages = opts.connections * opts.rounds;
  const received = reports.reduce((sum, report) => sum + report.received, 0);
  const serverMicros = (sent.user + sent.system) / messages;
  const clientMicros = reports.reduce((sum, report) => sum + report.micros, 0) / received;
  const lines = [
    `WebSocket push floor — ${fmt(opts.connections)} connections in ${opts.clients} client processes, ${fmt(message.length)}-byte messages (${opts.entries} entries)`,
    `  machine                       ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}; Node ${process.version}`,
    `  messages                      ${fmt(messages)} sent, ${fmt(received)} received`,
    `  server CPU per message        ${serverMicros.toFixed(1)} µs (user ${(sent.user / messages).toFixed(1)}, system ${(sent.system / messages).toFixed(1)})`,
    `  client CPU per message        ${clientMicros.toFixed(1)} µs (receive and JSON.parse)`,
    `  at most, every core on it     ${fmt((cpus().length * 1e6) / (serverMicros + clientMicros))} messages/s`,
  ];
  console.log(`\n${lines.join('\n')}`);
}

if (process.env.WS_FLOOR_CLIENT) client();
else await server();
