import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StackError } from './errors';
import { STACK_TLS_SERVER_NAME } from './production/stack-ca';

/**
 * The two shapes a stack comes in. `development`: the Temporal server on SQLite and Keycloak
 * `start-dev` in memory. `production`: what a platform team runs: PostgreSQL, the Temporal server
 * with SQL visibility and the Web UI server beside it, Keycloak in production mode over HTTPS.
 */
export const PROFILES = ['development', 'production'] as const;
export type Profile = (typeof PROFILES)[number];

/** The profile a command line asks for with `--profile <name>` (development when absent). */
export function profileArgument(args: string[]): Profile {
  const at = args.indexOf('--profile');
  if (at < 0) return 'development';
  const value = args[at + 1] as Profile;
  if (!PROFILES.includes(value)) throw new StackError(`--profile needs one of: ${PROFILES.join(', ')}`);
  return value;
}

export const KUBERNETES_COMPONENTS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok', 'istiod', 'sidecar-injector'] as const;

/** The components of each profile: the Kubernetes control plane and its servers. */
export const PROFILE_COMPONENTS = {
  development: [...KUBERNETES_COMPONENTS, 'temporal', 'temporal-ui', 'keycloak'],
  production: [...KUBERNETES_COMPONENTS, 'postgresql', 'temporal', 'temporal-ui', 'keycloak'],
} as const;
export type ComponentName = (typeof PROFILE_COMPONENTS)[Profile][number];

/** Every component name of any profile. */
export const COMPONENTS: readonly ComponentName[] = [...new Set<ComponentName>([...PROFILE_COMPONENTS.development, ...PROFILE_COMPONENTS.production])];

/**
 * The production profile's Temporal server runs its four services in one process, each with a gRPC
 * and a membership port (the frontend's gRPC port is `temporal`); the development profile's runs the
 * same but the internal frontend.
 */
const TEMPORAL_SERVICE_PORTS = [
  'temporal',
  'temporal-membership',
  'temporal-history',
  'temporal-history-membership',
  'temporal-matching',
  'temporal-matching-membership',
  'temporal-worker',
  'temporal-worker-membership',
  // The production server's frontend for its own services, which the authorizer does not check: loopback only.
  'temporal-internal-frontend',
  'temporal-internal-frontend-membership',
] as const;

export const PORT_NAMES = [
  'etcd',
  'etcd-peer',
  'kube-apiserver',
  'kwok',
  'istiod-http',
  'istiod-grpc',
  'istiod-secure-grpc',
  'istiod-https',
  'istiod-monitoring',
  'istiod-ctrlz',
  'sidecar-injector',
  ...TEMPORAL_SERVICE_PORTS,
  'temporal-ui',
  'temporal-http',
  'temporal-metrics',
  'postgresql',
  'keycloak',
  'keycloak-management',
  // Where the production profile's Keycloak would serve plain HTTP if it did: a test checks it does not.
  'keycloak-http',
] as const;
export type PortName = (typeof PORT_NAMES)[number];

/** Ports the Temporal server records in PostgreSQL, in a smallint column: they must be below 32768. */
export const SMALL_PORT_NAMES: readonly PortName[] = TEMPORAL_SERVICE_PORTS;

export interface RunningComponent {
  pid: number;
  logFile: string;
}

/** Everything a client needs to use a running stack; written to `<stack dir>/stack.json` (mode 0600). */
export interface StackState {
  dir: string;
  /** Absent in stacks recorded before profiles existed: `development`. */
  profile?: Profile;
  startedAt: string;
  ports: Record<PortName, number>;
  components: Partial<Record<ComponentName, RunningComponent>>;
  temporal: {
    address: string;
    namespace: string;
    uiUrl: string;
    cli: string;
    /** The production profile's frontend serves TLS with a certificate of the stack's CA. */
    tls?: { caFile: string };
    /** The production profile's frontend takes only tokens of this Keycloak realm (tools/keycloak/temporal-access.ts). */
    access?: TemporalAccessState;
  };
  kubernetes: {
    server: string;
    kubeconfig: string;
    caFile: string;
    adminToken: string;
    /** The apiserver's audit log of ServiceAccounts' requests (JSON lines); absent in stacks recorded before it existed. */
    auditLog?: string;
  };
  keycloak: {
    url: string;
    realm: string;
    /** The master realm's admin: the stack's and the tests' own, never the provisioner's. */
    adminUsername: string;
    adminPassword: string;
    platformClientId: string;
    /** The provisioner's identity in `realm`: a service-account client holding only the realm-management roles it needs. */
    provisioner: { clientId: string; clientSecret: string };
    /** The production profile's Keycloak serves HTTPS with a certificate of the stack's own CA, which clients trust through NODE_EXTRA_CA_CERTS. */
    caFile?: string;
  };
  /** NODE_EXTRA_CA_CERTS for the stack's clients (production): the stack CA and those the environment already named. */
  extraCaCerts?: string;
  /** The production profile's PostgreSQL (on ports.postgresql): the passwords of its superuser and of the roles of Temporal and Keycloak. */
  postgresql?: { passwords: Record<PostgresRole, string> };
}

/** A service-account client of the Temporal realm, its secret in a file only root reads. */
export interface TemporalClientState {
  clientId: string;
  secretFile: string;
}

export interface TemporalAccessState {
  realm: string;
  /** `<keycloak>/realms/<realm>`: the issuer; its token endpoint and keys are derived (temporalRealmUrls). */
  realmUrl: string;
  /** The worker's and the watcher's identity (role worker). */
  worker: TemporalClientState;
  /** The stack's tooling and the tests' harness (role admin). */
  admin: TemporalClientState;
  ui: TemporalClientState;
  /** The CLI's public client: the device flow, and on a stack passwords too. */
  cliClientId: string;
  /** People of the stack, one per role a person may hold. */
  users: Record<'approver' | 'viewer', { username: string; password: string }>;
}

/** Where the realm of who may act on Temporal issues tokens and publishes its signing keys. */
export function temporalRealmUrls(access: TemporalAccessState): { issuer: string; token: string; keys: string } {
  const oidc = `${access.realmUrl}/protocol/openid-connect`;
  return { issuer: access.realmUrl, token: `${oidc}/token`, keys: `${oidc}/certs` };
}

export type PostgresRole = 'postgres' | 'temporal' | 'keycloak';

export function profileOf(state: StackState): Profile {
  return state.profile ?? 'development';
}

export function componentsOf(state: StackState): readonly ComponentName[] {
  return PROFILE_COMPONENTS[profileOf(state)];
}

export function stateFile(dir: string): string {
  return join(dir, 'stack.json');
}

export function readState(dir: string): StackState | undefined {
  const file = stateFile(dir);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as StackState;
}

export function writeState(state: StackState): void {
  writeFileSync(stateFile(state.dir), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

/** Shell exports for a running stack, for `stack env` and for child processes. */
export function stackEnvironment(state: StackState): Record<string, string> {
  return {
    KWP_STACK_DIR: state.dir,
    KUBECONFIG: state.kubernetes.kubeconfig,
    TEMPORAL_ADDRESS: state.temporal.address,
    TEMPORAL_NAMESPACE: state.temporal.namespace,
    TEMPORAL_UI_URL: state.temporal.uiUrl,
    KEYCLOAK_URL: state.keycloak.url,
    KEYCLOAK_REALM: state.keycloak.realm,
    ...(state.extraCaCerts ? { NODE_EXTRA_CA_CERTS: state.extraCaCerts } : {}),
    // The production profile's Temporal: its CA (read by the temporal CLI too) and the worker's client.
    ...(state.temporal.tls ? { TEMPORAL_TLS_SERVER_CA_CERT_PATH: state.temporal.tls.caFile, TEMPORAL_TLS_SERVER_NAME: STACK_TLS_SERVER_NAME } : {}),
    ...(state.temporal.access
      ? { TEMPORAL_TOKEN_URL: temporalRealmUrls(state.temporal.access).token, TEMPORAL_CLIENT_ID: state.temporal.access.worker.clientId, TEMPORAL_CLIENT_SECRET_FILE: state.temporal.access.worker.secretFile }
      : {}),
  };
}
