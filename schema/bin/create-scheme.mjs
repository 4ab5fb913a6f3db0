#!/usr/bin/env node
/**
 * `pnpm create-scheme <code>`: scaffolds plugins/<code> with the skeleton every scheme
 * package shares (package.json, tsconfig.json, README.md, src/index.ts, src/<code>.test.ts)
 * from schema/bin/template, registers the package in the root package.json (a workspace
 * dependency and an entry of `cofactor.plugins`), tsconfig.json (a project reference) and
 * pnpm-lock.yaml (its importer, nothing else), and runs `pnpm install --frozen-lockfile`.
 * The new scheme is a small working one that passes its tests as generated
 * (`pnpm test:scheme <code>`). Plain Node, no dependencies: it runs before anything is built.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const TEMPLATE_DIR = join(HERE, 'template');
const REPO_ROOT = resolve(HERE, '..', '..');

/** The same rule as SCHEME_CODE_PATTERN in schema/src/scheme.ts (a test keeps them equal). */
const SCHEME_CODE_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Exit code for a refused request: bad usage, a bad code, or a scheme that already exists. */
const REFUSED = 2;

const USAGE = `Usage: pnpm create-scheme <code> [--root DIR] [--no-install]

Creates plugins/<code> (package @cofactor/plugin-<code>): a working reward scheme that pays a
fixed amount per event of a chosen type, with its README and its tests; then lists the
package in package.json (dependencies and cofactor.plugins), tsconfig.json (references) and
pnpm-lock.yaml (its importer only), and runs pnpm install --frozen-lockfile, which links it
without re-resolving the other packages. Its tests alone: pnpm test:scheme <code>.

  <code>        the scheme's code, kebab-case: a lowercase letter, then lowercase letters,
                digits and single dashes (e.g. flat-bonus)
  --root DIR    the workspace root to add the scheme to (default: ${REPO_ROOT})
  --no-install  do not run pnpm install afterwards
  --help        print this help`;

class Refusal extends Error {}

function parseCommandLine(argv) {
  const options = { code: null, root: REPO_ROOT, install: true, help: false };
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index];
    if (arg === '--help' || arg === '-h') options.help = true;
    else if (arg === '--no-install') options.install = false;
    else if (arg === '--root' || arg.startsWith('--root=')) {
      const value = arg === '--root' ? argv[++index] : arg.slice('--root='.length);
      if (!value) throw new Refusal('--root needs a directory');
      options.root = resolve(value);
    } else if (arg.startsWith('-')) throw new Refusal(`unknown option ${arg}`);
    else if (options.code === null) options.code = arg;
    else throw new Refusal(`one code at a time (got "${options.code}" and "${arg}")`);
  }
  return options;
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Refusal(`cannot read ${file} as JSON: ${error.message}`);
  }
}

/** Refuses a code that is malformed or names a scheme, folder or package the workspace already has. */
function checkNew(root, code, packageName) {
  if (!SCHEME_CODE_PATTERN.test(code)) {
    throw new Refusal(
      `"${code}" is not a valid scheme code: use kebab-case, a lowercase letter first, then lowercase letters, digits and single dashes (e.g. flat-bonus)`,
    );
  }
  for (const file of ['package.json', 'tsconfig.json']) {
    if (!existsSync(join(root, file))) throw new Refusal(`${root} is not a Cofactor workspace root: it has no ${file}`);
  }
  if (existsSync(join(root, 'plugins', code))) throw new Refusal(`plugins/${code} already exists in ${root}; choose another code`);

  const manifest = readJson(join(root, 'package.json'));
  const listed = [
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.devDependencies ?? {}),
    ...(manifest.cofactor?.plugins ?? []),
  ];
  if (listed.includes(packageName)) throw new Refusal(`package ${packageName} is already listed in ${join(root, 'package.json')}`);

  const pluginsDir = join(root, 'plugins');
  const others = existsSync(pluginsDir) ? readdirSync(pluginsDir, { withFileTypes: true }).filter((entry) => entry.isDirectory()) : [];
  for (const other of others) {
    const otherManifest = join(pluginsDir, other.name, 'package.json');
    if (existsSync(otherManifest) && readJson(otherManifest).name === packageName) {
      throw new Refusal(`package ${packageName} already exists in plugins/${other.name}`);
    }
    const otherIndex = join(pluginsDir, other.name, 'src', 'index.ts');
    if (existsSync(otherIndex) && new RegExp(`\\bcode: ['"]${code}['"]`).test(readFileSync(otherIndex, 'utf8'))) {
      throw new Refusal(`a scheme with the code "${code}" already exists in plugins/${other.name}; codes are unique`);
    }
  }
}

function title(code) {
  const words = code.split('-').join(' ');
  return words[0].toUpperCase() + words.slice(1);
}

function render(template, values) {
  return template.replace(/\{\{(\w+)\}\}/g, (placeholder, name) => {
    if (!Object.hasOwn(values, name)) throw new Error(`the template uses an unknown placeholder ${placeholder}`);
    return values[name];
  });
}

/**
 * The root package.json with the package as a workspace dependency and a loaded plugin.
 * Dependencies kept in order (as pnpm add keeps them) get the new one in its place; the
 * entries of an unsorted list are left where they are and the new one goes last.
 */
function registerInManifest(text, packageName) {
  const manifest = JSON.parse(text);
  const dependencies = Object.entries(manifest.dependencies ?? {});
  const byName = ([a], [b]) => (a < b ? -1 : a > b ? 1 : 0);
  const sorted = dependencies.every((entry, index) => index === 0 || byName(dependencies[index - 1], entry) <= 0);
  dependencies.push([packageName, 'workspace:*']);
  manifest.dependencies = Object.fromEntries(sorted ? dependencies.sort(byName) : dependencies);
  manifest.cofactor = { ...manifest.cofactor, plugins: [...(manifest.cofactor?.plugins ?? []), packageName] };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/**
 * The root tsconfig.json with one more project reference. When the file keeps one
 * `{ "path": ... }` per line, one such line is added and nothing else moves; a file laid out
 * otherwise is written as plain 2-space JSON.
 */
function registerInTsconfig(text, path) {
  const config = JSON.parse(text);
  if ((config.references ?? []).some((reference) => reference.path === path)) {
    throw new Refusal(`tsconfig.json already references ${path}`);
  }
  const entry = `{ "path": "${path}" }`;
  const block = /("references": \[\n)((?:[ \t]*\{ "path": "[^"\n]*" \},?\n)+)([ \t]*\])/.exec(text);
  let updated;
  if (block) {
    const lines = block[2].trimEnd().split('\n');
    const indent = /^[ \t]*/.exec(lines[lines.length - 1])[0];
    lines[lines.length - 1] = lines[lines.length - 1].replace(/,?$/, ',');
    const body = `${lines.join('\n')}\n${indent}${entry}\n`;
    updated = text.slice(0, block.index) + block[1] + body + block[3] + text.slice(block.index + block[0].length);
  } else {
    config.references = [...(config.references ?? []), { path }];
    updated = `${JSON.stringify(config, null, 2)}\n`;
  }
  if (!JSON.parse(updated).references.some((reference) => reference.path === path)) {
    throw new Error('could not add the project reference to tsconfig.json');
  }
  return updated;
}

/**
 * The YAML blocks from `lines[from]` on whose keys sit at `indent` (each a key line and its
 * body), up to the first line indented less; `end` is the line after the last one that is
 * not blank. Keys come unquoted.
 */
function blocksAt(lines, from, indent) {
  const blocks = [];
  let end = from;
  for (let index = from; index < lines.length && (lines[index] === '' || lines[index].startsWith(indent)); index++) {
    if (lines[index] === '') continue;
    end = index + 1;
    if (lines[index][indent.length] === ' ') continue;
    const key = lines[index].slice(indent.length).replace(/:( \{\})?$/, '').replace(/^'(.*)'$/, '$1');
    blocks.push({ start: index, key });
  }
  return { blocks, end };
}

/**
 * The lockfile with the new package and nothing else: its importer (one workspace
 * dependency, @cofactor/schema) and its line in the root importer's dependencies, each where
 * pnpm sorts it. `pnpm install --frozen-lockfile` then links it without resolving anything
 * again: a plain `pnpm install` re-resolves every package, and with a registry that lists
 * more (or fewer) platform builds of a native package than the one the lockfile was made
 * with, it rewrites hundreds of lines that have nothing to do with the scheme. Returns null
 * for a lockfile laid out otherwise (a plain install is then the way).
 */
function registerInLockfile(text, packageName, pluginPath) {
  const lines = text.split('\n');
  const start = lines.indexOf('importers:');
  if (!text.startsWith("lockfileVersion: '9.0'\n") || start < 0 || /^ {2}excludeLinksFromLockfile: true$/m.test(text)) return null;
  const importers = blocksAt(lines, start + 1, '  ');
  const keys = importers.blocks.map((block) => block.key);
  if (keys[0] !== '.' || !keys.includes('schema') || keys.includes(pluginPath)) return null;
  const rootDependencies = lines.indexOf('    dependencies:', importers.blocks[0].start);
  if (rootDependencies < 0 || rootDependencies > importers.blocks[1]?.start) return null;
  const dependencies = blocksAt(lines, rootDependencies + 1, '      ');
  if (dependencies.blocks.some((block) => block.key === packageName)) return null;

  // Bottom first, so the line numbers above stay true. Importers are separated by a blank line.
  const nextImporter = importers.blocks.find((block) => block.key !== '.' && block.key > pluginPath);
  const importer = [`  ${pluginPath}:`, '    dependencies:', "      '@cofactor/schema':", '        specifier: workspace:*', '        version: link:../../schema'];
  if (nextImporter) lines.splice(nextImporter.start, 0, ...importer, '');
  else lines.splice(importers.end, 0, '', ...importer);
  const nextDependency = dependencies.blocks.find((block) => block.key > packageName);
  const dependency = [`      '${packageName}':`, '        specifier: workspace:*', `        version: link:${pluginPath}`];
  lines.splice(nextDependency ? nextDependency.start : dependencies.end, 0, ...dependency);
  return lines.join('\n');
}

function pnpmInstall(root, frozen) {
  // Under `pnpm create-scheme`, npm_execpath is the running pnpm: use the same one.
  const execPath = process.env.npm_execpath;
  const install = frozen ? ['install', '--frozen-lockfile'] : ['install'];
  const [command, args] =
    execPath && /pnpm/.test(basename(execPath)) && /\.[cm]?js$/.test(execPath)
      ? [process.execPath, [execPath, ...install]]
      : ['pnpm', install];
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.error) return `could not run pnpm: ${result.error.message}`;
  return result.status === 0 ? null : `pnpm install exited with ${result.status ?? result.signal}`;
}

function main(argv) {
  const options = parseCommandLine(argv);
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  if (options.code === null) throw new Refusal('give the new scheme a code, e.g. pnpm create-scheme flat-bonus');
  const { code, root } = options;
  const packageName = `@cofactor/plugin-${code}`;
  const pluginPath = `plugins/${code}`;
  checkNew(root, code, packageName);

  // Compute every change first, so a refusal leaves the workspace untouched.
  const manifestFile = join(root, 'package.json');
  const tsconfigFile = join(root, 'tsconfig.json');
  const manifest = registerInManifest(readFileSync(manifestFile, 'utf8'), packageName);
  const tsconfig = registerInTsconfig(readFileSync(tsconfigFile, 'utf8'), pluginPath);
  const lockFile = join(root, 'pnpm-lock.yaml');
  const lockfile = existsSync(lockFile) ? registerInLockfile(readFileSync(lockFile, 'utf8'), packageName, pluginPath) : null;
  const values = { code, packageName, title: title(code) };
  const files = [
    ['package.json.tmpl', 'package.json'],
    ['tsconfig.json.tmpl', 'tsconfig.json'],
    ['README.md.tmpl', 'README.md'],
    ['src/index.ts.tmpl', 'src/index.ts'],
    ['src/scheme.test.ts.tmpl', `src/${code}.test.ts`],
  ].map(([template, target]) => [`${pluginPath}/${target}`, render(readFileSync(join(TEMPLATE_DIR, template), 'utf8'), values)]);

  for (const [target, content] of files) {
    mkdirSync(dirname(join(root, target)), { recursive: true });
    writeFileSync(join(root, target), content, { flag: 'wx' });
  }
  writeFileSync(manifestFile, manifest);
  writeFileSync(tsconfigFile, tsconfig);
  if (lockfile !== null) writeFileSync(lockFile, lockfile);

  console.log(`Created ${pluginPath} (${packageName}), scheme "${code}":`);
  for (const [target] of files) console.log(`  ${target}`);
  console.log('Registered it:');
  console.log(`  package.json   dependencies: "${packageName}": "workspace:*"; cofactor.plugins: "${packageName}"`);
  console.log(`  tsconfig.json  references: { "path": "${pluginPath}" }`);
  if (lockfile !== null) console.log(`  pnpm-lock.yaml importers: ${pluginPath}, and its line in the root's dependencies; nothing else`);

  // With the lockfile already complete, a frozen install links the package and resolves nothing.
  const install = lockfile !== null ? 'pnpm install --frozen-lockfile' : 'pnpm install';
  let installProblem = null;
  if (options.install) {
    console.log(`Running ${install} in ${root} ...`);
    installProblem = pnpmInstall(root, lockfile !== null);
    if (!installProblem) console.log('Installed: the lockfile and the workspace links are up to date.');
  } else {
    console.log(`Skipped pnpm install (--no-install): run ${install} before building.`);
  }

  console.log(`
Next steps:
  1. Run the new scheme's tests alone; they pass as generated (pnpm test runs them
     with all the others):
       pnpm test:scheme ${code}
  2. Edit ${pluginPath}/src/index.ts to pay what you mean (and give the scheme its
     Russian name); keep src/${code}.test.ts and README.md in step; run its tests again.
  3. Restart the server (pnpm start): it loads every package in cofactor.plugins, and
     "${code}" appears in the rewardSchemes query, ready for a campaign.
The author's guide: plugins/README.md`);

  if (installProblem) {
    console.error(`\ncreate-scheme: ${installProblem}; the files are in place, run ${install} yourself.`);
    return 1;
  }
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof Refusal)) throw error;
  console.error(`create-scheme: ${error.message}\nRun pnpm create-scheme --help for usage.`);
  process.exitCode = REFUSED;
}
