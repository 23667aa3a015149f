/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  globalSetup: '<rootDir>/test/harness/global-setup.ts',
  globalTeardown: '<rootDir>/test/harness/global-teardown.ts',
  testTimeout: 120000,
  // The Temporal native bridge can hold the event loop open after the last test (a known SDK issue);
  // every test closes its workers and connections, and this ends the run if something still lingers.
  forceExit: true,
  verbose: true,
};
