import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

/** The JavaScript a first visit loads (index.html's module script and preloads), gzipped: the budget is 100 KB. */
export const INITIAL_JS_BUDGET = 100 * 1024;

function initialScripts(dist) {
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  return [...html.matchAll(/<(?:script[^>]+src|link[^>]+rel="modulepreload"[^>]+href)="\/([^"]+\.js)"/g)].map((match) => match[1]);
}

/** Prints the initial JavaScript's gzipped size after each build, and fails the build over the budget. */
function initialSize() {
  let dist = 'dist';
  return {
    name: 'cofactor-initial-size',
    configResolved(config) {
      dist = config.build.outDir;
    },
    closeBundle() {
      const bytes = initialScripts(dist).reduce((sum, file) => sum + gzipSync(readFileSync(join(dist, file))).length, 0);
      const line = `initial JavaScript: ${(bytes / 1024).toFixed(1)} KB gzipped (budget ${INITIAL_JS_BUDGET / 1024} KB)`;
      if (bytes > INITIAL_JS_BUDGET) throw new Error(`${line}: over the budget`);
      console.log(line);
    },
  };
}

export default defineConfig({
  plugins: [preact(), initialSize()],
  build: { target: 'es2022', sourcemap: true, reportCompressedSize: false },
  server: { proxy: { '/graphql': { target: 'http://127.0.0.1:4000', ws: true } } },
});
