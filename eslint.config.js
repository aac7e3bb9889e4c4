// @ts-check
import { builtinModules } from 'node:module';
import { defineConfig } from 'eslint/config';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

/**
 * Presets: @eslint/js recommended, typescript-eslint recommendedTypeChecked, react-hooks recommended-latest (the
 * renderer). No rule is turned off; these are eased, each for its reason:
 * - no-unused-vars: a leading `_` marks a deliberately unused binding (`{ secret: _secret, ...rest }`).
 * - no-floating-promises: node:test's `test()`/`describe()` return promises the runner itself awaits.
 * - react-hooks/exhaustive-deps: raised from a warning to an error, so `eslint .` fails on it too.
 * - react-hooks/incompatible-library: off. It only warns that the React Compiler cannot memoize components using
 *   TanStack Virtual's useVirtualizer; Jobdeck does not use the React Compiler, so the warning can never be acted on.
 * One boundary exception: ENGINE_SERVER_EXCEPTIONS, two engine files that open servers which are not transports.
 */
const EASED = {
  '@typescript-eslint/no-unused-vars': [
    'error',
    { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
  ],
  '@typescript-eslint/no-floating-promises': [
    'error',
    { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }] },
  ],
};

/**
 * Import boundaries (DESIGN.md: renderer -> shared <- engine <- main/server; the companion imports nothing of the
 * console). A module is named by a regex over the import specifier; sibling directories are reached through `../`,
 * so a relative specifier whose first named segment is `engine` (after any `../` and an optional `src/`) is src/engine.
 */
const dirs = (...names) => `^(\\.\\./)+(src/)?(${names.join('|')})(/|$)`;
const NODE_BUILTIN = `^(node:.*|(${builtinModules.filter((m) => !m.startsWith('_')).join('|')}))$`;
const ELECTRON = { regex: '^electron(/|$)', message: 'Only src/main and src/preload know Electron.' };
/** GitHub Desktop's rule: every IPC call goes through the typed transport, which checks the sender once. */
const RAW_IPC = {
  regex: '^electron$',
  importNames: ['ipcMain', 'ipcRenderer'],
  message: 'Raw IPC lives in the transports only (src/main/ipc-setup.ts, src/preload): use the contract.',
};

/** The boundary rules for one directory: static imports, and dynamic import()/require() of the same modules. */
function boundary(name, files, modules, ignores = []) {
  const literal = (regex) => `/${regex.replaceAll('/', '\\x2F')}/`;
  const whole = modules.filter((m) => !m.importNames);
  return {
    name: `jobdeck/boundary/${name}`,
    files,
    ignores,
    rules: {
      'no-restricted-imports': ['error', { patterns: modules }],
      'no-restricted-syntax': [
        'error',
        ...whole.flatMap(({ regex, message }) => [
          { selector: `ImportExpression[source.value=${literal(regex)}]`, message },
          { selector: `CallExpression[callee.name='require'][arguments.0.value=${literal(regex)}]`, message },
        ]),
        {
          // `electron.ipcMain` would slip past the named-import check: name what you take from electron.
          selector: "ImportDeclaration[source.value='electron'] > :matches(ImportDefaultSpecifier, ImportNamespaceSpecifier)",
          message: "Import named members from 'electron', so the IPC boundary can see them.",
        },
      ],
    },
  };
}

const ENGINE_HOSTS = {
  regex: dirs('main', 'preload', 'server', 'renderer'),
  message: 'The engine knows nothing of its hosts or the page.',
};
const ENGINE_NO_SERVER = [
  { regex: '^(node:)?(http|https|http2)$', message: 'The engine serves no HTTP: web mode (src/server) does.' },
  { regex: '^(node:)?net$', importNames: ['createServer', 'Server'], message: 'The engine opens no server: the transports do.' },
];
/** Servers that are not transports: the demo's simulated LLM provider, and the free-port probe for embedded Postgres. */
const ENGINE_SERVER_EXCEPTIONS = ['src/engine/demo/fake-llm.ts', 'src/engine/pg/embedded.ts'];

/** Engine files that are HTTP clients, not servers: the alerts' webhook post. They still open no server. */
const ENGINE_HTTP_CLIENTS = ['src/engine/alerts/webhook-post.ts'];
const ENGINE_NO_HTTP_SERVER = {
  regex: '^(node:)?(http|https)$',
  importNames: ['createServer', 'Server'],
  message: 'The engine serves no HTTP: web mode (src/server) does.',
};

const boundaries = [
  boundary('everywhere', ['**/*.{ts,tsx,js,mjs}'], [RAW_IPC], ['src/main/ipc-setup.ts', 'src/preload/**']),
  boundary(
    'main',
    ['src/main/**'],
    [RAW_IPC, { regex: dirs('server', 'renderer'), message: 'The desktop host and web mode stay apart.' }],
    ['src/main/ipc-setup.ts'],
  ),
  boundary(
    'engine',
    ['src/engine/**'],
    [ELECTRON, ENGINE_HOSTS, ...ENGINE_NO_SERVER],
    [...ENGINE_SERVER_EXCEPTIONS, ...ENGINE_HTTP_CLIENTS],
  ),
  boundary('engine-http-clients', ENGINE_HTTP_CLIENTS, [ELECTRON, ENGINE_HOSTS, ENGINE_NO_HTTP_SERVER, ENGINE_NO_SERVER[1]]),
  boundary('engine-servers', ENGINE_SERVER_EXCEPTIONS, [ELECTRON, ENGINE_HOSTS]),
  boundary(
    'server',
    ['src/server/**'],
    [ELECTRON, { regex: dirs('main', 'preload', 'renderer'), message: 'Web mode hosts the engine, not the desktop parts.' }],
  ),
  boundary(
    'renderer',
    ['src/renderer/**'],
    [
      { regex: NODE_BUILTIN, message: 'The page runs without Node (in a browser too, in web mode).' },
      ELECTRON,
      {
        regex: dirs('engine', 'main', 'server', 'preload'),
        message: 'The page reaches the engine only through the contract (src/shared).',
      },
    ],
  ),
  boundary(
    'shared',
    ['src/shared/**'],
    [
      { regex: NODE_BUILTIN, message: 'The shared contract is pure TypeScript: it runs in the page too, without Node.' },
      ELECTRON,
      {
        regex: dirs('engine', 'main', 'server', 'preload', 'renderer'),
        message: 'The shared contract depends on nothing: all point to it.',
      },
    ],
  ),
  boundary(
    'preload',
    ['src/preload/**'],
    [
      { regex: NODE_BUILTIN, message: 'A sandboxed preload can require nothing but electron.' },
      { regex: dirs('engine', 'main', 'server', 'renderer'), message: 'The preload bridges the contract (src/shared), nothing else.' },
    ],
  ),
  boundary(
    'worker',
    ['src/worker/**'],
    [
      {
        regex: dirs('engine', 'main', 'server', 'renderer', 'preload'),
        message: "The companion runs in the user's workers: it imports nothing of the console.",
      },
      {
        regex: '^(electron|react|react-dom|better-sqlite3)(/|$)',
        message: "The companion runs in the user's workers: no Electron, React or SQLite.",
      },
    ],
  ),
];

export default defineConfig(
  // What .gitignore leaves out (scratch/ included: a contributor's throwaway script must not fail `npm test`).
  { ignores: ['out/', 'dist/', 'release/', '.cache/', '.jobdeck/', 'test-results/', 'bench/results/', 'coverage/', 'scratch/'] },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    // Type information from the tsconfig that includes each file (tsconfig.node.json, tsconfig.web.json).
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: EASED,
  },
  { files: ['**/*.{ts,tsx,js,mjs,cjs}'], ignores: ['src/renderer/**', 'resources/**'], languageOptions: { globals: globals.node } },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: globals.browser },
    plugins: reactHooks.configs.flat['recommended-latest'].plugins,
    rules: {
      ...reactHooks.configs.flat['recommended-latest'].rules,
      'react-hooks/exhaustive-deps': 'error',
      'react-hooks/incompatible-library': 'off',
    },
  },
  { files: ['**/*.{js,mjs,cjs}'], ...tseslint.configs.disableTypeChecked },
  { files: ['test/fixtures/tasks/*.js'], languageOptions: { sourceType: 'commonjs' } },
  {
    // A second connection builds indexes at times (store/index-worker.ts): a deferred transaction that reads then
    // writes fails at once while it holds the lock, where an immediate one waits.
    files: ['src/engine/**/*.ts'],
    ignores: ['src/engine/store/db.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { property: 'transaction', message: 'Open SQLite transactions with writeTransaction(db, fn) (src/engine/store/db.ts).' },
      ],
    },
  },
  // Static pages the main process loads as they are (the start-up failure page): classic browser scripts.
  { files: ['resources/**/*.js'], languageOptions: { sourceType: 'script', globals: globals.browser } },
  boundaries,
);
