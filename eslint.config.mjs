import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'build/', '.stack/', 'coverage/', 'tools/go/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly', __dirname: 'readonly', process: 'readonly' } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests read raw JSON (tokens, Gateways) and assert on its shape.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no SDKs that do I/O.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', 'fs', 'path', 'crypto', 'os', 'child_process', 'http', 'https', 'net'], message: 'Workflow code must be deterministic: keep I/O in activities.' },
            { group: ['@kubernetes/*', '@keycloak/*', 'pino', '@temporalio/activity', '@temporalio/client', '@temporalio/worker'], message: 'Workflows reach external systems only through activities.' },
            { regex: '^(\\.\\./)+(activities|watcher|worker|cli|temporal|config|tools)(/|$)', message: 'Workflows import only model/ and each other: activities are known by their contract in model/activities.ts.' },
            { regex: '^(\\.\\./)+model/names$', message: 'model/names.ts hashes with node:crypto, which the workflow sandbox has not.' },
          ],
        },
      ],
    },
  },
  {
    // The ground floor: the vocabulary imports nothing of the project above it.
    files: ['model/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['../*', '../**'], message: 'model/ is the ground floor: it imports only model/.' }] }] },
  },
  ...[
    // Imports go down: each folder, and the folders it must never import.
    ['activities', 'workflows|watcher|worker|cli|tools|test'],
    ['watcher', 'activities|worker|cli|tools|test'],
    ['temporal', 'activities|watcher|worker|cli|tools|test'],
    ['config', 'activities|workflows|watcher|worker|cli|temporal|tools|test'],
    ['tools', 'activities'],
  ].map(([folder, above]) => ({
    files: [`${folder}/**/*.ts`],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ regex: `^(\\.\\./)+(${above})(/|$)`, message: `${folder}/ may not import ${above.split('|').join(', ')}.` }] }] },
  })),
);
