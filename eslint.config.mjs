// One linter for the whole tree; `npm run lint` runs it with --max-warnings 0.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
    // The OAuth core is plain TypeScript: no AWS SDK, no environment (DESIGN.md, style rule 1).
    files: ['lambdas/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@aws-sdk/*', 'aws-sdk', 'aws-cdk-lib', 'aws-cdk-lib/*'],
              message: 'The domain has no AWS imports; use a port.',
            },
            {
              group: ['../adapters/*', '../handlers/*', '../local/*'],
              message: 'The domain depends on nothing outside itself.',
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
    // The CDK app reads the domain's public names (paths, scopes), never a handler's internals; a
    // function's entry file is a path string (lib/function-defaults.ts, handlerEntry).
    files: ['lib/**/*.ts', 'bin/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/lambdas/handlers/*', '**/lambdas/local/*'],
              message: 'lib/ imports no handler internals: move the shared name to lambdas/domain/ or lib/.',
            },
          ],
        },
      ],
    },
  },
);
