// ESLint (flat config): typescript-eslint's recommended rules, and Nx module boundaries that
// know each layer (the `layer:*` tag in every project.json). A layer imports only layers below
// it, a service never imports another service, and only test code imports libs/testing.
// tools/lint/module-boundaries.spec.ts proves the rule reports a layer broken.
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');
const nx = require('@nx/eslint-plugin');

/** What each layer may import (besides itself). Nothing may import a service (type:service, type:gateway). */
const LAYERS = {
  'layer:domain': [],
  'layer:platform': ['layer:domain'],
  'layer:contracts': ['layer:domain'],
  // Breakers, timeouts and the one backoff formula: what every kit retries with.
  'layer:resilience': ['layer:platform', 'layer:domain'],
  // The kits (jobs, provider-kit) build on resilience, platform and contracts; never on each other.
  'layer:kit': ['layer:resilience', 'layer:platform', 'layer:contracts', 'layer:domain'],
  // libs/testing starts real servers and processes for tests; it may use what it tests against.
  'layer:testing': ['layer:platform', 'layer:contracts', 'layer:domain'],
  'type:service': [
    'layer:kit',
    'layer:resilience',
    'layer:platform',
    'layer:contracts',
    'layer:domain',
  ],
  'type:gateway': [
    'layer:kit',
    'layer:resilience',
    'layer:platform',
    'layer:contracts',
    'layer:domain',
  ],
};

/** Test code: specs, contract suites run by specs, test folders and helpers, test entry points. */
const TEST_FILES = [
  '**/*.spec.ts',
  '**/*.int-spec.ts',
  '**/*.contract.ts',
  '**/*.test-helper.ts',
  '**/test-support.ts',
  '**/test/**/*.ts',
  'libs/*/src/testing/**/*.ts',
  'libs/testing/**/*.ts',
];

function moduleBoundaries(testCode) {
  return [
    'error',
    {
      enforceBuildableLibDependency: false,
      // Each main.ts starts OpenTelemetry first and only then imports the instrumented
      // modules (gRPC, HTTP) dynamically, so these libraries are both static and lazy there.
      checkDynamicDependenciesExceptions: ['@poppy/platform', '@poppy/contracts'],
      allow: [],
      depConstraints: Object.entries(LAYERS).map(([sourceTag, below]) => ({
        sourceTag,
        onlyDependOnLibsWithTags: testCode ? [...below, 'layer:testing'] : below,
      })),
    },
  ];
}

module.exports = tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      '.cache/',
      '.nx/',
      'libs/contracts/src/gen/',
      '**/*.js',
      '!tools/**/*.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': moduleBoundaries(false),
      // A lib's `testing` entry point (jest suites) is in the lib's own project, which the
      // boundary rule allows; this keeps it out of production code all the same.
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@poppy/*/testing'], message: 'test-only entry point' }] },
      ],
    },
  },
  {
    files: TEST_FILES,
    rules: {
      '@nx/enforce-module-boundaries': moduleBoundaries(true),
      'no-restricted-imports': 'off',
    },
  },
  {
    files: ['tools/**/*.js', '*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        __dirname: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        Buffer: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
