/**
 * `pnpm create-scheme` as an author runs it, pointed (`--root`, `--no-install`) at a scratch
 * root holding copies of the workspace's package.json, tsconfig.json and pnpm-lock.yaml. The
 * scheme it makes passes its own tests untouched (also through the command it prints,
 * `pnpm test:scheme <code>`), type-checks under the workspace's compiler settings, loads into
 * the registry and pays what its README says; the root files gain exactly the registration;
 * bad or taken codes are refused with exit code 2 and change nothing.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SCHEME_CODE_PATTERN, parseArgs, type RewardScheme } from '@cofactor/schema';
import { createTestContext, testEvent } from '@cofactor/schema/testing';
import { SchemeRegistry } from '../../server/src/plugins/registry.js';

const ROOT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCRIPT = join(ROOT_DIR, 'schema', 'bin', 'create-scheme.mjs');
const PACKAGE = '@cofactor/plugin-scaffold-check';
const PLUGIN_FILES = ['package.json', 'tsconfig.json', 'README.md', 'src/index.ts', 'src/scaffold-check.test.ts'];
const NBSP = '\u00a0';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function createScheme(...args: string[]): Run {
  const { status, stdout, stderr } = spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8' });
  return { status, stdout, stderr };
}

function readJson(file: string): any {
  return JSON.parse(readFileSync(file, 'utf8'));
}

let root: string;
let created: Run;
const before = {
  manifest: readFileSync(join(ROOT_DIR, 'package.json'), 'utf8'),
  tsconfig: readFileSync(join(ROOT_DIR, 'tsconfig.json'), 'utf8'),
  lockfile: readFileSync(join(ROOT_DIR, 'pnpm-lock.yaml'), 'utf8'),
};

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'cofactor-create-scheme-'));
  writeFileSync(join(root, 'package.json'), before.manifest);
  writeFileSync(join(root, 'tsconfig.json'), before.tsconfig);
  writeFileSync(join(root, 'pnpm-lock.yaml'), before.lockfile);
  created = createScheme('scaffold-check', '--root', root, '--no-install');
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('pnpm create-scheme scaffold-check', () => {
  it('creates the plugin skeleton and prints what it did and the next steps', () => {
    expect(created.stderr).toBe('');
    expect(created.status).toBe(0);
    for (const file of PLUGIN_FILES) expect(existsSync(join(root, 'plugins', 'scaffold-check', file))).toBe(true);
    for (const said of ['plugins/scaffold-check/src/index.ts', 'cofactor.plugins', 'pnpm test', 'Restart the server', 'rewardSchemes']) {
      expect(created.stdout).toContain(said);
    }
  });

  it('gives the package the same package.json fields and tsconfig.json as percentage-of-sales', () => {
    const model = readJson(join(ROOT_DIR, 'plugins', 'percentage-of-sales', 'package.json'));
    expect(readJson(join(root, 'plugins', 'scaffold-check', 'package.json'))).toEqual({ ...model, name: PACKAGE });
    expect(readFileSync(join(root, 'plugins', 'scaffold-check', 'tsconfig.json'), 'utf8')).toBe(
      readFileSync(join(ROOT_DIR, 'plugins', 'percentage-of-sales', 'tsconfig.json'), 'utf8'),
    );
  });

  it('writes a README with what it pays, its args and a worked example', () => {
    const readme = readFileSync(join(root, 'plugins', 'scaffold-check', 'README.md'), 'utf8');
    expect(readme).toMatch(/^# @cofactor\/plugin-scaffold-check\n/);
    for (const section of ['## What it pays', '## Args', '## Worked example']) expect(readme).toContain(section);
    expect(readme).toContain('RUB 150.00 for lead L-9');
    expect(readme).toContain('## Tests\n\n```sh\npnpm test:scheme scaffold-check\n```');
  });

  it('registers the package in the root package.json: a workspace dependency and a loaded plugin', () => {
    const text = readFileSync(join(root, 'package.json'), 'utf8');
    expect(text).toBe(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
    const manifest = JSON.parse(text);
    const original = JSON.parse(before.manifest);
    expect(manifest.dependencies[PACKAGE]).toBe('workspace:*');
    // The other dependencies keep their order.
    expect(Object.keys(manifest.dependencies).filter((name) => name !== PACKAGE)).toEqual(Object.keys(original.dependencies));
    expect(manifest.cofactor.plugins).toEqual([...original.cofactor.plugins, PACKAGE]);
    // Nothing else changed.
    delete manifest.dependencies[PACKAGE];
    manifest.cofactor.plugins.pop();
    expect(manifest).toEqual(original);
  });

  it('adds one project reference to the root tsconfig.json, in its layout, and leaves the rest as it was', () => {
    const text = readFileSync(join(root, 'tsconfig.json'), 'utf8');
    expect(JSON.parse(text).references.at(-1)).toEqual({ path: 'plugins/scaffold-check' });
    const added = /,\n( *)\{\s*"path": "plugins\/scaffold-check"\s*\}/.exec(text)!;
    expect(text.slice(0, added.index) + text.slice(added.index + added[0].length)).toBe(before.tsconfig);
    // In the layout of the reference before it: `{ "path": ... }` on one line, or spread over three.
    const previous = text.slice(0, added.index).split('\n').at(-1)!;
    expect(added[0].includes('\n', 2)).toBe(previous.trim() === '}');
  });

  it('adds the package to pnpm-lock.yaml as pnpm would, and changes no other line of it', () => {
    const lockfile = readFileSync(join(root, 'pnpm-lock.yaml'), 'utf8');
    // The root importer's new dependency, in name order as pnpm keeps it: after
    // plugin-recruit-bonus, before plugin-seasonal-promo ("sc" < "se").
    const dependency = `      '${PACKAGE}':\n        specifier: workspace:*\n        version: link:plugins/scaffold-check\n`;
    // The package's own importer, in path order: after plugins/recruit-bonus, before plugins/seasonal-promo.
    const importer = `  plugins/scaffold-check:\n    dependencies:\n      '@cofactor/schema':\n        specifier: workspace:*\n        version: link:../../schema\n\n`;
    expect(lockfile).toContain(`version: link:plugins/recruit-bonus\n${dependency}      '@cofactor/plugin-seasonal-promo':\n`);
    expect(lockfile).toContain(`\n\n${importer}  plugins/seasonal-promo:\n`);
    expect(lockfile.replace(dependency, '').replace(importer, '')).toBe(before.lockfile);
    expect(created.stdout).toContain('run pnpm install --frozen-lockfile before building');
  });

  it('makes a scheme that passes its own tests untouched', () => {
    // The workspace's own jest settings, rooted at the scratch root.
    const jest = readJson(join(ROOT_DIR, 'package.json')).jest;
    const [, swcOptions] = jest.transform['^.+\\.ts$'];
    const config = {
      rootDir: root,
      testEnvironment: jest.testEnvironment,
      extensionsToTreatAsEsm: jest.extensionsToTreatAsEsm,
      transform: { '^.+\\.ts$': [createRequire(join(ROOT_DIR, 'package.json')).resolve('@swc/jest'), swcOptions] },
      moduleNameMapper: Object.fromEntries(
        Object.entries(jest.moduleNameMapper as Record<string, string>).map(([from, to]) => [from, to.replace('<rootDir>', ROOT_DIR)]),
      ),
      testMatch: ['<rootDir>/plugins/**/*.test.ts'],
      cacheDirectory: join(root, '.jest-cache'),
    };
    writeFileSync(join(root, 'jest.config.json'), JSON.stringify(config));
    const results = join(root, 'jest-results.json');
    const { JEST_WORKER_ID: _worker, ...env } = process.env;
    const run = spawnSync(
      process.execPath,
      ['--experimental-vm-modules', join(ROOT_DIR, 'node_modules', 'jest', 'bin', 'jest.js'), '--config', join(root, 'jest.config.json'), '--ci', '--json', '--outputFile', results],
      { cwd: root, encoding: 'utf8', env },
    );
    expect({ status: run.status, output: run.status === 0 ? '' : run.stderr }).toEqual({ status: 0, output: '' });
    const report = readJson(results);
    expect(report.numFailedTests).toBe(0);
    expect(report.testResults.map((suite: { name: string }) => suite.name)).toEqual([join(root, 'plugins', 'scaffold-check', 'src', 'scaffold-check.test.ts')]);
    const passed = report.testResults[0].assertionResults
      .filter((test: { status: string }) => test.status === 'passed')
      .map((test: { title: string }) => test.title);
    expect(passed).toEqual(
      expect.arrayContaining([
        'has a kebab-case code',
        'rejects args.amount = "0", just past min 1',
        'gives the same drafts twice, leaves its inputs alone and reads nothing outside ctx: a sale, default args',
        'pays the default 100,00 ₽ for a sale',
        'pays the configured amount for the chosen event type only',
      ]),
    );
  });

  it('makes a scheme that type-checks under the workspace compiler settings, tests included', () => {
    const config = {
      extends: './tsconfig.json',
      compilerOptions: {
        composite: false,
        declaration: false,
        noEmit: true,
        typeRoots: [join(ROOT_DIR, 'node_modules', '@types')],
        paths: {
          '@cofactor/schema': [join(ROOT_DIR, 'schema', 'src', 'index.ts')],
          '@cofactor/schema/testing': [join(ROOT_DIR, 'schema', 'src', 'testing', 'index.ts')],
        },
      },
      include: ['plugins/scaffold-check/src'],
    };
    writeFileSync(join(root, 'tsconfig.check.json'), JSON.stringify(config));
    const tsc = spawnSync(process.execPath, [join(ROOT_DIR, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.check.json')], {
      encoding: 'utf8',
    });
    expect({ status: tsc.status, output: tsc.stdout }).toEqual({ status: 0, output: '' });
  });

  it('makes a scheme the registry accepts, paying 100,00 ₽ per sale by default and what its README says', async () => {
    const module = (await import(join(root, 'plugins', 'scaffold-check', 'src', 'index.ts'))) as { default: RewardScheme; scheme: RewardScheme };
    const scheme = module.default;
    expect(module.scheme).toBe(scheme);
    expect([scheme.code, scheme.version]).toEqual(['scaffold-check', '1.0.0']);
    const registry = new SchemeRegistry([scheme]);
    expect(registry.get('scaffold-check')).toBe(scheme);

    const evaluate = async (raw: Record<string, string>, event = testEvent()) => {
      const parsed = parseArgs(scheme.args, raw);
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
      return scheme.evaluate!(event, parsed.values, createTestContext());
    };
    // Defaults: 10 000 kopecks per sale.
    expect(await evaluate({})).toEqual([
      {
        partnerId: 'partner-1',
        kind: 'MONEY',
        amount: 10_000n,
        unit: 'RUB',
        key: 'event:event-1',
        explanation: { en: 'RUB 100.00 for sale A-17', ru: `100,00${NBSP}₽ за продажу A-17` },
        details: { eventType: 'SALE', amount: '10000' },
      },
    ]);
    // The README's worked example: 150,00 ₽ per lead, nothing for a sale.
    const lead = testEvent({ id: 'event-9', externalId: 'L-9', type: 'LEAD', amount: null, currency: null });
    const leadArgs = { eventType: 'LEAD', amount: '15000' };
    expect((await evaluate(leadArgs, lead)).map((draft) => draft.amount)).toEqual([15_000n]);
    expect(await evaluate(leadArgs)).toEqual([]);
  });
});

describe('the test command create-scheme prints', () => {
  let workspace: string;

  beforeAll(() => {
    // A workspace root as a fresh clone has it after pnpm install: the root files, the
    // contract's sources and the installed packages (linked, not copied), no build.
    workspace = mkdtempSync(join(tmpdir(), 'cofactor-test-scheme-'));
    for (const file of ['package.json', 'tsconfig.json', 'pnpm-lock.yaml']) copyFileSync(join(ROOT_DIR, file), join(workspace, file));
    for (const dir of ['node_modules', 'schema', 'test']) symlinkSync(join(ROOT_DIR, dir), join(workspace, dir));
  });

  afterAll(() => {
    rmSync(workspace, { recursive: true, force: true });
  });

  it('runs the new scheme\'s tests, and only those, and they pass', () => {
    const made = createScheme('scaffold-check', '--root', workspace, '--no-install');
    expect(made.status).toBe(0);
    const [, printed] = /^ +(pnpm test:scheme \S+)$/m.exec(made.stdout) ?? [];
    expect(printed).toBe('pnpm test:scheme scaffold-check');

    // The printed command as a shell would run it, with jest told to write its results down.
    // Under `pnpm test`, npm_execpath is the running pnpm.
    const execPath = process.env.npm_execpath;
    const pnpm = execPath && /pnpm/.test(execPath) && /\.[cm]?js$/.test(execPath) ? [process.execPath, execPath] : ['pnpm'];
    const results = join(workspace, 'jest-results.json');
    const { JEST_WORKER_ID: _worker, ...env } = process.env;
    const run = spawnSync(pnpm[0], [...pnpm.slice(1), ...printed.split(' ').slice(1), '--ci', '--json', '--outputFile', results], {
      cwd: workspace,
      encoding: 'utf8',
      env,
    });
    expect({ status: run.status, output: run.status === 0 ? '' : `${run.stdout}\n${run.stderr}` }).toEqual({ status: 0, output: '' });
    const report = readJson(results);
    expect(report.testResults.map((suite: { name: string }) => suite.name)).toEqual([join(workspace, 'plugins', 'scaffold-check', 'src', 'scaffold-check.test.ts')]);
    expect(report.numFailedTests).toBe(0);
    expect(report.numPassedTests).toBe(report.numTotalTests);
    expect(report.numTotalTests).toBeGreaterThan(0);
  });

  it('names the schemes there are when the code names none', () => {
    const run = spawnSync(process.execPath, [join(ROOT_DIR, 'schema', 'bin', 'test-scheme.mjs'), 'no-such-scheme'], { cwd: workspace, encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('test:scheme: there is no plugins/no-such-scheme');
    expect(run.stderr).toContain('Schemes: scaffold-check');
  });
});

describe('pnpm create-scheme refuses', () => {
  let scratch: string;

  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), 'cofactor-create-scheme-'));
    copyFileSync(join(ROOT_DIR, 'package.json'), join(scratch, 'package.json'));
    copyFileSync(join(ROOT_DIR, 'tsconfig.json'), join(scratch, 'tsconfig.json'));
  });

  afterEach(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  const unchanged = () => {
    expect(existsSync(join(scratch, 'plugins'))).toBe(false);
    expect(readFileSync(join(scratch, 'package.json'), 'utf8')).toBe(before.manifest);
    expect(readFileSync(join(scratch, 'tsconfig.json'), 'utf8')).toBe(before.tsconfig);
  };

  it.each(['Demo-bonus', 'demo_bonus', 'demo--bonus', 'demo-', '1demo', 'demo bonus'])(
    'a code that is not kebab-case (%p) with exit code 2, as the contract would',
    (code) => {
      expect(SCHEME_CODE_PATTERN.test(code)).toBe(false);
      const run = createScheme(code, '--root', scratch, '--no-install');
      expect(run.status).toBe(2);
      expect(run.stderr).toContain(`"${code}" is not a valid scheme code`);
      unchanged();
    },
  );

  it('a folder that already exists, with exit code 2', () => {
    expect(createScheme('scaffold-check', '--root', root, '--no-install')).toMatchObject({
      status: 2,
      stderr: expect.stringContaining(`plugins/scaffold-check already exists in ${root}`),
    });
  });

  it('a package the root package.json already lists, with exit code 2', () => {
    const run = createScheme('percentage-of-sales', '--root', scratch, '--no-install');
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('package @cofactor/plugin-percentage-of-sales is already listed');
    unchanged();
  });

  it('a code another plugin folder already uses for its scheme, with exit code 2', () => {
    mkdirSync(join(scratch, 'plugins', 'bonuses', 'src'), { recursive: true });
    writeFileSync(join(scratch, 'plugins', 'bonuses', 'src', 'index.ts'), "export const scheme = defineRewardScheme({ code: 'flat-bonus', version: '1.0.0' });\n");
    const run = createScheme('flat-bonus', '--root', scratch, '--no-install');
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('a scheme with the code "flat-bonus" already exists in plugins/bonuses');
    expect(existsSync(join(scratch, 'plugins', 'flat-bonus'))).toBe(false);
  });

  it('a missing code or an unknown option, with exit code 2', () => {
    expect(createScheme('--root', scratch).status).toBe(2);
    expect(createScheme('scaffold-check', '--root', scratch, '--force').status).toBe(2);
    unchanged();
  });

  it('nothing for --help: it prints the usage', () => {
    const run = createScheme('--help');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Usage: pnpm create-scheme <code> [--root DIR] [--no-install]');
  });
});

it('checks codes with the same rule as the contract', () => {
  const [, source] = /const SCHEME_CODE_PATTERN = \/(.+)\/;/.exec(readFileSync(SCRIPT, 'utf8'))!;
  expect(source).toBe(SCHEME_CODE_PATTERN.source);
});
