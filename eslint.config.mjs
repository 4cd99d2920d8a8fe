// One linter for the whole tree; `npm run lint` runs it with --max-warnings 0.
// The layering (docs/architecture.md, "Layers") is enforced here, not by habit; test/lint/ shows that
// each rule fires on a fixture that breaks it.
import js from '@eslint/js';
import importPlugin from 'eslint-plugin-import';
import tseslint from 'typescript-eslint';

/** Every layer of the tree, as paths relative to the repository root. */
const LAYERS = {
  domain: './lambdas/domain',
  adapters: './lambdas/adapters',
  handlers: './lambdas/handlers',
  local: './lambdas/local',
  client: './lambdas/client',
  /** The RFC 9068 verifier: part of the client, and the one client folder adapters may import. */
  clientVerify: './lambdas/client/verify',
  lib: './lib',
  bin: './bin',
  bench: './bench',
  test: './test',
  /** The admin console's browser code (built by console/build.ts, served by lambdas/handlers/console-handler.ts). */
  console: './console/src',
};

/** `import/no-restricted-paths` zone: files in `target` may not import from `from` (but its `except`). */
const forbid = (target, from, message, except) => ({ target: LAYERS[target], from, message, except });
const layers = (...names) => names.map((name) => LAYERS[name]);

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', '.idp/', 'dist/', 'coverage/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
    languageOptions: { globals: { module: 'writable', require: 'readonly', __dirname: 'readonly' } },
  },
  {
    // Which layer may import which (paths relative to the working directory: run from the repository
    // root, as npm scripts do). Imports are resolved to files, so `../../adapters/x` from a nested
    // domain folder is caught as surely as `../adapters/x`; packages resolve into node_modules.
    files: ['lambdas/**/*.ts', 'lib/**/*.ts', 'bin/**/*.ts', 'console/**/*.ts', 'console/**/*.tsx'],
    plugins: { import: importPlugin },
    settings: {
      'import/resolver': { node: { extensions: ['.ts', '.tsx', '.js', '.mjs', '.json'] } },
      'import/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
      'import/extensions': ['.ts', '.tsx', '.js'],
    },
    rules: {
      'import/no-restricted-paths': [
        'error',
        {
          zones: [
            forbid(
              'domain',
              '.',
              'The domain (OAuth core) imports nothing outside lambdas/domain but its allow-listed packages.',
              [LAYERS.domain, './node_modules'],
            ),
            forbid(
              'adapters',
              layers('handlers', 'local', 'lib', 'bin', 'bench', 'test'),
              'Adapters implement domain ports; they never import handlers, the local runtime or lib.',
            ),
            forbid(
              'adapters',
              LAYERS.client,
              'Adapters import from the client only lambdas/client/verify (the RFC 9068 verifier the authorizers share).',
              ['./verify'],
            ),
            forbid(
              'handlers',
              layers('local', 'client', 'lib', 'bin', 'bench', 'test'),
              'Handlers compose domain and adapters; they never import the local runtime, the client or lib.',
            ),
            forbid(
              'local',
              layers('client', 'lib', 'bin', 'bench', 'test'),
              'The local runtime runs the handlers; it never imports the client or lib.',
            ),
            forbid(
              'client',
              '.',
              'The token client and CLI ship on their own: they import nothing outside lambdas/client.',
              [LAYERS.client, './node_modules'],
            ),
            forbid(
              'clientVerify',
              '.',
              'lambdas/client/verify is imported by adapters too: it imports nothing outside itself.',
              [LAYERS.clientVerify, './node_modules'],
            ),
            forbid(
              'console',
              '.',
              'The console runs in the browser: it imports nothing outside console/src but the shared path constants (lambdas/domain/endpoints/paths.ts) and the admin API view types (lambdas/client/admin-views.ts, types only).',
              [
                LAYERS.console,
                './node_modules',
                './lambdas/domain/endpoints/paths.ts',
                './lambdas/client/admin-views.ts',
              ],
            ),
            forbid(
              'lib',
              layers('handlers', 'local', 'client', 'bench', 'test'),
              'Infrastructure names handler entry files by path; it never imports handler, local or client code.',
            ),
          ],
        },
      ],
      // A cycle makes module initialisation order matter and hides a missing seam.
      'import/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    // The console may take the admin API's view types from the token client (the zone above lets it
    // reach lambdas/client/admin-views.ts), but only as types: esbuild erases them, so nothing of the
    // client ships in the browser bundle.
    files: ['console/**/*.ts', 'console/**/*.tsx'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/lambdas/client/admin-views'],
              allowTypeImports: true,
              message: 'The console imports the admin API view types with `import type` only.',
            },
          ],
        },
      ],
    },
  },
  {
    // The environment is read in one place per runtime (docs/architecture.md, Composition): on AWS
    // lambdas/handlers/compose/environment.ts, locally the entry lambdas/local/main.ts; everything else
    // under lambdas/ is given its configuration. The domain's own block below keeps its message.
    files: ['lambdas/**/*.ts'],
    ignores: ['lambdas/handlers/compose/environment.ts', 'lambdas/local/main.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message:
            'Read the environment in lambdas/handlers/compose/environment.ts (or locally in main.ts) and pass it in.',
        },
      ],
    },
  },
  {
    // The OAuth core is plain TypeScript: no AWS, no Lambda types, no Powertools, no environment.
    files: ['lambdas/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!\\.|zod$|node:crypto$)',
              message:
                'The domain imports only zod and node:crypto (digests, PKCE, timing-safe compares) from packages ' +
                '(allow-list in eslint.config.mjs); use a port.',
            },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'The domain reads no environment; pass config in.' },
      ],
    },
  },
  {
    // The token client and the admin client are dependency-free: Node.js built-ins only.
    files: ['lambdas/client/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!\\.|node:)',
              message: 'The client is dependency-free: only node: built-ins and client/ files.',
            },
          ],
        },
      ],
    },
  },
  {
    // The idp CLI and the verifier it shares with the authorizers add one package: aws-jwt-verify.
    files: ['lambdas/client/cli/**/*.ts', 'lambdas/client/verify/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!\\.|node:|aws-jwt-verify(/|$))',
              message: 'The CLI and client/verify import only node: built-ins, aws-jwt-verify and client/ files.',
            },
          ],
        },
      ],
    },
  },
);
