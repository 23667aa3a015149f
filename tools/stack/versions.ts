/**
 * Versions of the servers the local stack runs. Each is built or fetched once from a package
 * registry and cached under a key that includes the version, so changing a line here rebuilds it.
 */
export const VERSIONS = {
  temporalCli: '1.5.1',
  /** The Temporal server of both profiles: newer than the 1.29.1 CLI 1.5.1 embeds, for upgrade on continue-as-new (1.32); the Web UI server is the one CLI 1.5.1 embeds. */
  temporalServer: '1.32.0',
  temporalUi: '2.42.1',
  /** Debian 12's PostgreSQL (package postgresql-15), which the production profile runs. */
  postgresqlMajor: 15,
  kubernetes: '1.34.4',
  etcd: '3.6.16',
  kwok: '0.8.0',
  keycloak: '26.7.3',
  /** istio.io/istio has no tagged Go module release: a pseudo-version of its master branch (1.31-dev, 2026-08-27). */
  istio: '0.0.0-20260827124520-eed52ebb66ad',
  /** io.temporal:temporal-test-server (Java SDK) for TestWorkflowEnvironment.createTimeSkipping(); see test-server.ts. */
  temporalTestServer: '1.38.0',
  composeGo: '2.16.2',
  /** Oldest Go that builds every module above (kwok 0.8 declares go 1.26). */
  minimumGo: '1.26',
  minimumJava: 17,
} as const;
