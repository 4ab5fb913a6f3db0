/**
 * The import graph's rules, checked by `pnpm deps:check` (part of `pnpm test`).
 * The server's layers (STYLE.md, "Shape of the server") run one way, so any cycle is a
 * layer imported back up; type-only imports count too.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Imports run one way (api → services → rewarding → ledger → domain → platform): a cycle is a layer importing back up.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'plugins-import-only-the-contract',
      severity: 'error',
      comment: 'A scheme plugin depends on @cofactor/schema alone, so it runs wherever the contract does (DESIGN.md, Layout).',
      from: { path: '^plugins/[^/]+/src/' },
      to: {
        pathNot: ['^schema/', '^plugins/[^/]+/src/'],
        dependencyTypesNot: ['core'],
      },
    },
    {
      name: 'plugins-never-import-each-other',
      severity: 'error',
      comment: 'Each plugin is its own package; sharing goes through the contract.',
      from: { path: '^plugins/([^/]+)/src/' },
      to: { path: '^plugins/[^/]+/', pathNot: '^plugins/$1/' },
    },
    {
      name: 'server-never-imports-a-plugin',
      severity: 'error',
      comment: 'The server loads the plugins named in configuration; it never names one in code.',
      from: { path: '^server/src/' },
      to: { path: ['^plugins/', '@cofactor/plugin-'] },
    },
    {
      name: 'schema-imports-nothing-of-ours',
      severity: 'error',
      comment: 'The contract knows no server and no plugin.',
      from: { path: '^schema/src/' },
      to: { path: ['^server/', '^plugins/'] },
    },
  ],
  options: {
    doNotFollow: { path: ['node_modules', '/dist/'] },
    // Type-only imports are part of the graph: a type imported back up is a layer violation too.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.d.ts'],
    },
  },
};
