import { parseArgs } from 'node:util';
import { TEMPORAL_WORKER_CLIENT_ID } from '../model/names';
import { TASK_QUEUE } from '../model/workflow-ids';

/**
 * Process settings of the worker and the watcher. Every flag also reads from an environment
 * variable; a flag given on the command line wins over the variable, the variable over the default.
 */
export interface Settings {
  /** §6 of the spec: provision the namespace labels and the waypoint Gateway. */
  enableWaypointProvisioning: boolean;
  /** §6 of the spec: register one Keycloak client per agent workload. */
  enableOperatorClientRegistration: boolean;
  /** Where the operator config and the Keycloak admin Secret live. */
  operatorNamespace: string;
  spireTrustDomain: string;
  /** Register clients for tools too (the reference's injectTools feature gate). */
  injectTools: boolean;
  /** Remove the waypoint Gateway and the ambient labels once a namespace has no agent or tool left. */
  removeWhenEmpty: boolean;
  waypointReadyTimeoutSeconds: number;
  /** Units of Keycloak work (a registration, a clean-up) one worker runs at once; the rest wait their turn. */
  keycloakConcurrency: number;
  /** How soon a pass in a waiting state (config missing, waypoint not ready...) runs again without events. */
  retryIntervalSeconds: number;
  /** How often the Keycloak audit compares the realm with the cluster and wakes only the namespaces that differ. */
  keycloakAuditIntervalSeconds: number;
  /** Settled namespaces woken per second for maintenance (an audit's repairs, a takeover), so new work never waits behind a flood. */
  maintenancePerSecond: number;
  /** Workflows the worker keeps in its sticky cache; the rest are replayed from history on their next task. */
  maxCachedWorkflows: number;
  /** The Temporal worker deployment this worker belongs to (one per install). */
  workerDeployment: string;
  /** This build's id in that deployment (the image's version); empty: an unversioned worker. */
  workerBuildId: string;
  /** A build whose workers poll for the first time becomes current by itself; otherwise a person makes it current. */
  promoteNewBuild: boolean;
  /** Watcher replicas elect one leader through a Lease in the operator namespace; only it watches. */
  leaderElect: boolean;
  temporalAddress: string;
  temporalNamespace: string;
  taskQueue: string;
  /** TLS to the frontend with the system's CAs (implied by temporalTlsCaFile). */
  temporalTls: boolean;
  /** The CA bundle that signs the frontend's certificate. */
  temporalTlsCaFile: string;
  temporalTlsServerName: string;
  /** Client-credentials grant for a Temporal token (Keycloak's token endpoint); empty: no token. */
  temporalTokenUrl: string;
  temporalClientId: string;
  temporalClientSecretFile: string;
  /** A token given as it is (a person's, for the CLI); renewed by nobody. */
  temporalApiKey: string;
  /** Empty: in-cluster configuration. */
  kubeconfig: string;
  healthPort: number;
  /** Prometheus metrics of the worker (Temporal SDK and this project's); the watcher serves its own on the health port. */
  metricsPort: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
}

type Kind = 'boolean' | 'string' | 'port' | 'level' | 'seconds' | 'count';

interface FlagDefinition {
  key: keyof Settings;
  flag: string;
  env: string[];
  kind: Kind;
  default: string;
  description: string;
}

/** The single definition of every flag: parsing, `--help` and the docs all come from this table. */
export const FLAGS: readonly FlagDefinition[] = [
  { key: 'enableWaypointProvisioning', flag: 'enable-waypoint-provisioning', env: ['ENABLE_WAYPOINT_PROVISIONING'], kind: 'boolean', default: 'true', description: 'Label agent namespaces for ambient mode and provision their waypoint Gateway' },
  { key: 'enableOperatorClientRegistration', flag: 'enable-operator-client-registration', env: ['ENABLE_OPERATOR_CLIENT_REGISTRATION'], kind: 'boolean', default: 'true', description: 'Register one Keycloak client per agent workload and write its credentials Secret' },
  { key: 'operatorNamespace', flag: 'operator-namespace', env: ['OPERATOR_NAMESPACE', 'POD_NAMESPACE'], kind: 'string', default: 'kagenti-system', description: 'Namespace of the operator config and the Keycloak admin Secret' },
  { key: 'spireTrustDomain', flag: 'spire-trust-domain', env: ['SPIRE_TRUST_DOMAIN'], kind: 'string', default: '', description: 'SPIFFE trust domain for client ids when SPIRE_ENABLED is true' },
  { key: 'injectTools', flag: 'inject-tools', env: ['INJECT_TOOLS'], kind: 'boolean', default: 'false', description: 'Register Keycloak clients for tool workloads too (waypoints are provisioned for tools regardless)' },
  { key: 'removeWhenEmpty', flag: 'remove-when-empty', env: ['REMOVE_WHEN_EMPTY'], kind: 'boolean', default: 'false', description: 'Remove the waypoint Gateway and the ambient labels once a namespace has no agent or tool left' },
  { key: 'waypointReadyTimeoutSeconds', flag: 'waypoint-ready-timeout', env: ['WAYPOINT_READY_TIMEOUT'], kind: 'seconds', default: '60', description: 'Seconds a pass waits for the waypoint Gateway to be Programmed before reporting it not ready' },
  { key: 'keycloakConcurrency', flag: 'keycloak-concurrency', env: ['KEYCLOAK_CONCURRENCY'], kind: 'count', default: '8', description: 'Units of Keycloak work a worker runs at once (more queue in the worker, not in Keycloak)' },
  { key: 'retryIntervalSeconds', flag: 'retry-interval', env: ['RETRY_INTERVAL'], kind: 'seconds', default: '30', description: 'Seconds before a namespace in a waiting state is looked at again without any event' },
  { key: 'keycloakAuditIntervalSeconds', flag: 'keycloak-audit-interval', env: ['KEYCLOAK_AUDIT_INTERVAL'], kind: 'seconds', default: '300', description: 'Seconds between two Keycloak audits, each listing what the provisioner manages in the realm once and waking only the namespaces whose clients, scopes or Secrets differ (0: none, and a running audit ends); set on the watcher, which starts the audit' },
  { key: 'maintenancePerSecond', flag: 'maintenance-per-second', env: ['MAINTENANCE_PER_SECOND'], kind: 'count', default: '8', description: 'Settled namespaces woken per second at most for maintenance (the audit\'s repairs, a takeover, an upgrade to a new build); fewer while new work is queued or the servers lag; set on the watcher, and on the worker for upgrades' },
  { key: 'maxCachedWorkflows', flag: 'max-cached-workflows', env: ['MAX_CACHED_WORKFLOWS'], kind: 'count', default: '100', description: 'Workflows the worker keeps in memory (about 1 MB each); a namespace left out costs nothing until its next change, when its history (one run, continued-as-new past 2,000 events) is replayed' },
  { key: 'workerDeployment', flag: 'worker-deployment', env: ['WORKER_DEPLOYMENT', 'TEMPORAL_DEPLOYMENT_NAME'], kind: 'string', default: 'kagenti-waypoint', description: 'Temporal worker deployment of the worker (worker versioning); with --worker-build-id' },
  { key: 'workerBuildId', flag: 'worker-build-id', env: ['WORKER_BUILD_ID', 'TEMPORAL_WORKER_BUILD_ID'], kind: 'string', default: '', description: 'Build id of this worker in its deployment (the image\'s version); each workflow stays on the build that started it and namespaces move to a new current build between passes (docs/upgrades.md); empty: unversioned, for a build never upgraded with workflows running' },
  { key: 'promoteNewBuild', flag: 'promote-new-build', env: ['PROMOTE_NEW_BUILD'], kind: 'boolean', default: 'true', description: 'Make this build current when its workers first poll, if it was never current before (an older build that restarts never takes over again); false: a person or the Temporal Worker Controller makes it current (temporal worker deployment set-current-version)' },
  { key: 'leaderElect', flag: 'leader-elect', env: ['LEADER_ELECT'], kind: 'boolean', default: 'true', description: 'Watcher replicas elect a leader through the Lease kagenti-waypoint-watcher in the operator namespace' },
  { key: 'temporalAddress', flag: 'temporal-address', env: ['TEMPORAL_ADDRESS'], kind: 'string', default: '127.0.0.1:7233', description: 'Temporal frontend host:port' },
  { key: 'temporalNamespace', flag: 'temporal-namespace', env: ['TEMPORAL_NAMESPACE'], kind: 'string', default: 'default', description: 'Temporal namespace of the workflows' },
  { key: 'taskQueue', flag: 'task-queue', env: ['TEMPORAL_TASK_QUEUE'], kind: 'string', default: TASK_QUEUE, description: 'Task queue the worker polls' },
  { key: 'temporalTls', flag: 'temporal-tls', env: ['TEMPORAL_TLS'], kind: 'boolean', default: 'false', description: 'Connect to the Temporal frontend over TLS, trusting the system\'s CAs (a CA file turns TLS on too)' },
  { key: 'temporalTlsCaFile', flag: 'temporal-tls-ca-file', env: ['TEMPORAL_TLS_SERVER_CA_CERT_PATH'], kind: 'string', default: '', description: 'CA bundle that signs the Temporal frontend\'s certificate; turns TLS on' },
  { key: 'temporalTlsServerName', flag: 'temporal-tls-server-name', env: ['TEMPORAL_TLS_SERVER_NAME'], kind: 'string', default: '', description: 'Name the frontend\'s certificate must carry, when not the address\'s host' },
  { key: 'temporalTokenUrl', flag: 'temporal-token-url', env: ['TEMPORAL_TOKEN_URL'], kind: 'string', default: '', description: 'OAuth token endpoint for a Temporal token by client credentials (Keycloak: <realm URL>/protocol/openid-connect/token); https, or http on loopback; empty: no token' },
  { key: 'temporalClientId', flag: 'temporal-client-id', env: ['TEMPORAL_CLIENT_ID'], kind: 'string', default: TEMPORAL_WORKER_CLIENT_ID, description: 'Client id of that grant' },
  { key: 'temporalClientSecretFile', flag: 'temporal-client-secret-file', env: ['TEMPORAL_CLIENT_SECRET_FILE'], kind: 'string', default: '', description: 'File holding that client\'s secret (mount it from a Secret); read for every token, so a new secret needs no restart' },
  { key: 'temporalApiKey', flag: 'temporal-api-key', env: ['TEMPORAL_API_KEY'], kind: 'string', default: '', description: 'A Temporal token to send as it is, for the CLI (prefer the variable: a flag shows in the process list); the same variable as the temporal CLI\'s; wins over --temporal-token-url' },
  { key: 'kubeconfig', flag: 'kubeconfig', env: ['KUBECONFIG'], kind: 'string', default: '', description: 'Kubeconfig file; empty means in-cluster configuration' },
  { key: 'healthPort', flag: 'health-port', env: ['HEALTH_PORT'], kind: 'port', default: '8081', description: 'Port of the /healthz and /readyz endpoints' },
  { key: 'metricsPort', flag: 'metrics-port', env: ['METRICS_PORT'], kind: 'port', default: '9464', description: 'Port of the worker\'s Prometheus /metrics (0: off); the watcher serves /metrics on its health port' },
  { key: 'logLevel', flag: 'log-level', env: ['LOG_LEVEL'], kind: 'level', default: 'info', description: 'fatal, error, warn, info, debug or trace' },
];

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

/** An invalid flag or variable: the message names it and says what is accepted. */
export class InvalidSettingError extends Error {
  override readonly name = 'InvalidSettingError';
}

function convert(definition: FlagDefinition, raw: string, source: string): unknown {
  switch (definition.kind) {
    case 'boolean':
      if (raw === 'true' || raw === 'false') return raw === 'true';
      throw new InvalidSettingError(`${source}=${raw}: expected true or false`);
    case 'port': {
      const port = Number(raw);
      if (Number.isInteger(port) && port >= 0 && port <= 65535) return port;
      throw new InvalidSettingError(`${source}=${raw}: expected a port number from 0 to 65535`);
    }
    case 'seconds': {
      const seconds = Number(raw);
      if (Number.isInteger(seconds) && seconds >= 0 && seconds <= 86_400) return seconds;
      throw new InvalidSettingError(`${source}=${raw}: expected whole seconds from 0 to 86400`);
    }
    case 'count': {
      const count = Number(raw);
      if (Number.isInteger(count) && count >= 1 && count <= 1000) return count;
      throw new InvalidSettingError(`${source}=${raw}: expected a whole number from 1 to 1000`);
    }
    case 'level':
      if (LEVELS.includes(raw)) return raw;
      throw new InvalidSettingError(`${source}=${raw}: expected one of ${LEVELS.join(', ')}`);
    case 'string':
      return raw;
  }
}

/** Parses argv and the environment once into a frozen Settings object; throws InvalidSettingError on bad input. */
export function loadSettings(argv: string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): Readonly<Settings> {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: Object.fromEntries(FLAGS.map((f) => [f.flag, { type: 'string' as const }])),
      strict: true,
      allowPositionals: false,
    }) as { values: Record<string, string | undefined> });
  } catch (error) {
    throw new InvalidSettingError((error as Error).message);
  }
  const settings = Object.fromEntries(FLAGS.map((definition) => [definition.key, resolve(definition, values[definition.flag], env)]));
  return Object.freeze(settings as unknown as Settings);
}

/** A setting from its flag, else its first environment variable that is set, else its default. */
function resolve(definition: FlagDefinition, fromFlag: string | undefined, env: NodeJS.ProcessEnv): unknown {
  const fromEnv = definition.env.find((name) => env[name] !== undefined && env[name] !== '');
  if (fromFlag !== undefined) return convert(definition, fromFlag, `--${definition.flag}`);
  if (fromEnv) return convert(definition, env[fromEnv]!, fromEnv);
  return convert(definition, definition.default, `default of --${definition.flag}`);
}

/** One setting as the worker takes it: `given` (its flag's value), else its variables, else its default. */
export function loadSetting<K extends keyof Settings>(key: K, given: string | undefined, env: NodeJS.ProcessEnv = process.env): Settings[K] {
  return resolve(FLAGS.find((f) => f.key === key)!, given, env) as Settings[K];
}

const TEMPORAL_KEYS = [
  'temporalAddress',
  'temporalNamespace',
  'taskQueue',
  'temporalTls',
  'temporalTlsCaFile',
  'temporalTlsServerName',
  'temporalTokenUrl',
  'temporalClientId',
  'temporalClientSecretFile',
  'temporalApiKey',
] as const satisfies readonly (keyof Settings)[];
export type TemporalSettings = Pick<Settings, (typeof TEMPORAL_KEYS)[number]>;
/** The flags of the Temporal connection, which the CLI takes too. */
export const TEMPORAL_FLAGS = FLAGS.filter((f) => (TEMPORAL_KEYS as readonly string[]).includes(f.key));

/** The Temporal settings as the environment variables that give them, for a child process. */
export function temporalEnvironment(settings: TemporalSettings): Record<string, string> {
  return Object.fromEntries(TEMPORAL_FLAGS.map((definition) => [definition.env[0], String(settings[definition.key as keyof TemporalSettings])]));
}

/** The Temporal connection alone, for the CLI: the worker's flags, variables and defaults, `given` by flag name. */
export function loadTemporalSettings(given: Record<string, string | undefined>, env: NodeJS.ProcessEnv = process.env): Readonly<TemporalSettings> {
  return Object.freeze(Object.fromEntries(TEMPORAL_FLAGS.map((definition) => [definition.key, resolve(definition, given[definition.flag], env)])) as unknown as TemporalSettings);
}
