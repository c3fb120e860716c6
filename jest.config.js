// One jest config for the whole repo. Unit tests: *.spec.ts beside the code.
// Integration tests against real processes/servers: *.int-spec.ts (run serially).
const { pathsToModuleNameMapper } = require('./tools/jest/paths');

// POPPY_BETTER_SQLITE3: a copy of better-sqlite3 built for another Node's ABI, used instead of
// the workspace's own (tools/infra/node24.sh runs the unit tests on Node 24 with it).
const nativeOverrides = process.env.POPPY_BETTER_SQLITE3
  ? { '^better-sqlite3$': process.env.POPPY_BETTER_SQLITE3 }
  : {};

const common = {
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  moduleNameMapper: { ...nativeOverrides, ...pathsToModuleNameMapper() },
  testEnvironment: 'node',
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/.cache/'],
};

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/**/*.int-spec.ts'],
      globalSetup: '<rootDir>/tools/jest/global-setup.js',
    },
  ],
};
