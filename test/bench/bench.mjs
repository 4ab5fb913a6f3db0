#!/usr/bin/env node
// `pnpm bench [ingest|campaign-board|simulate|live|ws-floor|analytics|board-screen|import|read] [-- options]`: which benchmark to run, ingestion by default.
const BENCHES = { ingest: './ingest.mjs', 'campaign-board': './campaign-board.mjs', simulate: './simulate.mjs', live: './live.mjs', 'ws-floor': './ws-floor.mjs', analytics: './analytics.mjs', 'board-screen': './board-screen.mjs', import: './import.mjs', read: './read.mjs' };
const args = process.argv.slice(2).filter((arg) => arg !== '--');
const name = args[0] in BENCHES ? args.shift() : 'ingest';
// Each benchmark reads its options from process.argv.
process.argv = [process.argv[0], process.argv[1], ...args];
await import(BENCHES[name]);
