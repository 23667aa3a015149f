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
    // The production shape: its own tests, and integration tests of what a platform team relies on
    // most (scale-out with crashes, drift repair, migration with approvals and rollback, new work
    // ahead of maintenance on the server's task queues), run again
    // on PostgreSQL, the Temporal server and Keycloak in production mode.
    {
      ...shared,
      displayName: 'production',
      roots: ['<rootDir>/test'],
      testMatch: [
        '<rootDir>/test/production/**/*.test.ts',
        '<rootDir>/test/integration/provisioning/horizontal-scale.test.ts',
        '<rootDir>/test/integration/provisioning/repair-and-cleanup.test.ts',
        '<rootDir>/test/integration/migration/full-migration.test.ts',
        '<rootDir>/test/integration/migration/rollback.test.ts',
        '<rootDir>/test/integration/provisioning/new-work-first.test.ts',
      ],
      globalSetup: '<rootDir>/test/harness/global-setup-production.ts',
      globalTeardown: '<rootDir>/test/harness/global-teardown.ts',
    },
  ],
  testTimeout: 120000,
  // The Temporal native bridge can hold the event loop open after the last test (a known SDK issue);
  // every test closes its workers and connections, and this ends the run if something still lingers.
  forceExit: true,
  verbose: true,
};
