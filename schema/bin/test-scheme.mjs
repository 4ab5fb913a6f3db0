#!/usr/bin/env node
/**
 * `pnpm test:scheme <code> [jest options]`: runs the tests of plugins/<code> only (its own
 * tests and the conformance kit's), with the workspace's jest settings, from the workspace
 * root pnpm runs it in. Nothing needs building first: jest reads the TypeScript sources.
 * Options after the code go to jest as they are (`-t "pays"`, `--watch`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Exit code for a refused request, as create-scheme uses it. */
const REFUSED = 2;

// pnpm runs a package's scripts in the package's folder: here, the workspace root.
const root = process.cwd();
const [code, ...jestOptions] = process.argv.slice(2);
const pluginsDir = join(root, 'plugins');
const codes = existsSync(pluginsDir)
  ? readdirSync(pluginsDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(join(pluginsDir, entry.name, 'package.json')))
      .map((entry) => entry.name)
      .sort()
  : [];

if (!code || code.startsWith('-') || !codes.includes(code)) {
  const problem = !code || code.startsWith('-') ? 'give the code of a scheme, e.g. pnpm test:scheme multi-level' : `there is no plugins/${code}`;
  console.error(`test:scheme: ${problem}\nUsage: pnpm test:scheme <code> [jest options]\nSchemes: ${codes.join(', ')}`);
  process.exitCode = REFUSED;
} else {
  // The same jest, flag and settings as `pnpm test`.
  const jest = join(root, 'node_modules', 'jest', 'bin', 'jest.js');
  const run = spawnSync(process.execPath, ['--experimental-vm-modules', jest, '--roots', `<rootDir>/plugins/${code}`, ...jestOptions], {
    cwd: root,
    stdio: 'inherit',
  });
  if (run.error) throw run.error;
  process.exitCode = run.status ?? 1;
}
