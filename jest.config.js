/**
 * Jest configuration. ts-jest transpiles only (tsconfig `isolatedModules`); `npm run typecheck` does
 * the type checking. The summary reporter prints the `N passed, N failed` line CI reads.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  testTimeout: 30000,
  setupFiles: ['<rootDir>/test/support/jest-setup.js'],
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  watchman: false,
};
