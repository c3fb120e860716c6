// One jest config for the whole repo. Unit tests: *.spec.ts beside the code.
// Integration tests against real processes/servers: *.int-spec.ts (run serially).
const { pathsToModuleNameMapper } = require('./tools/jest/paths');

const common = {
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  moduleNameMapper: pathsToModuleNameMapper(),
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
