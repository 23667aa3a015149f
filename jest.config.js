const shared = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    // Pure logic and file checks: no servers.
    { ...shared, displayName: 'unit', roots: ['<rootDir>/test/unit'] },
    // Workflow logic against Temporal's time-skipping test server (a JVM each test file starts; no stack).
    { ...shared, displayName: 'workflow', roots: ['<rootDir>/test/workflow'] },
    // Everything that talks to the real stack, which global-setup starts once for the run.
    {
      ...shared,
      displayName: 'integration',
      roots: ['<rootDir>/test/integration'],
      globalSetup: '<rootDir>/test/harness/global-setup.ts',
      globalTeardown: '<rootDir>/test/harness/global-teardown.ts',
    },
  ],
  testTimeout: 120000,
  // The Temporal native bridge can hold the event loop open after the last test (a known SDK issue);
  // every test closes its workers and connections, and this ends the run if something still lingers.
  forceExit: true,
  verbose: true,
};
