import { createHash } from 'node:crypto';
import { invalidWorkloadSpec } from './errors';
import type { KeycloakSettings } from './provisioning';

// How the provisioner names what it creates (spec §2, §3, §5, §8): the same names wherever they
// are computed, by the activities, the watcher, the tools and the tests.

const MAX_LABEL_VALUE = 63;

/**
 * `<namespace>-waypoint`, as the spec says. Its name is also the value of the namespace label
 * istio.io/use-waypoint, which may not exceed 63 characters: for namespaces longer than 54
 * characters the name keeps a prefix of the namespace and a hash of all of it, so it stays unique.
 */
export function waypointGatewayName(namespace: string): string {
  const name = `${namespace}-waypoint`;
  if (name.length <= MAX_LABEL_VALUE) return name;
  const hash = createHash('sha256').update(namespace).digest('hex').slice(0, 8);
  const prefix = namespace.slice(0, MAX_LABEL_VALUE - '-waypoint'.length - hash.length - 1).replace(/-+$/, '');
  return `${prefix}-${hash}-waypoint`;
}

/** The three namespace labels of an agent namespace (spec §2). */
export function ambientLabels(namespace: string): Record<string, string> {
  return {
    'istio-discovery': 'enabled',
    'istio.io/dataplane-mode': 'ambient',
    'istio.io/use-waypoint': waypointGatewayName(namespace),
  };
}

/**
 * `kagenti-keycloak-client-credentials-` + the first 16 hex characters of SHA-256 over
 * namespace NUL workload NUL "kagenti-keycloak-client-credentials" (spec §5, with its test vectors).
 */
export function credentialsSecretName(namespace: string, workload: string): string {
  const digest = createHash('sha256').update(`${namespace}\x00${workload}\x00kagenti-keycloak-client-credentials`).digest('hex');
  return `kagenti-keycloak-client-credentials-${digest.slice(0, 16)}`;
}

/** `<namespace>/<workload>`, or with SPIRE `spiffe://<trust-domain>/ns/<namespace>/sa/<serviceAccount>` (spec §5). */
export function keycloakClientId(
  namespace: string,
  workload: { name: string; serviceAccountName: string },
  settings: Pick<KeycloakSettings, 'spireEnabled'>,
  spireTrustDomain: string,
): string {
  if (!settings.spireEnabled) return `${namespace}/${workload.name}`;
  if (!spireTrustDomain) {
    throw invalidWorkloadSpec('SPIRE_ENABLED is true but no SPIRE trust domain is set (--spire-trust-domain / SPIRE_TRUST_DOMAIN)');
  }
  const sa = workload.serviceAccountName;
  if (!sa || sa === 'default') {
    throw invalidWorkloadSpec(
      `${namespace}/${workload.name}: SPIRE_ENABLED is true, so its client id comes from its ServiceAccount, ` +
        `but it runs as ${sa ? "'default'" : 'no ServiceAccount'}; give it a dedicated serviceAccountName`,
    );
  }
  return `spiffe://${spireTrustDomain}/ns/${namespace}/sa/${sa}`;
}

/** Keycloak keeps a client scope's name in a column of 255 characters. */
const MAX_SCOPE_NAME = 255;

/**
 * `agent-<namespace>/<workload>-aud`: the spec's `agent-<namespace>-<workload>-aud` with a slash
 * between the two names, as in the client id. The spec's form is ambiguous (namespace `a-b` with
 * workload `c`, and `a` with `b-c`, give one name), so one tenant could take over another's scope; no
 * namespace or workload name holds a slash, so this one is not. Past Keycloak's 255 characters the
 * workload part keeps a prefix and a hash of both names after a `~`, which no workload name holds.
 */
export function audienceScopeName(namespace: string, workload: string): string {
  const name = `agent-${namespace}/${workload}-aud`;
  if (name.length <= MAX_SCOPE_NAME) return name;
  const hash = createHash('sha256').update(`${namespace}\x00${workload}`).digest('hex').slice(0, 16);
  const room = MAX_SCOPE_NAME - `agent-${namespace}/~${hash}-aud`.length;
  return `agent-${namespace}/${workload.slice(0, room)}~${hash}-aud`;
}

/**
 * The spec's ambiguous `agent-<namespace>-<workload>-aud`, which the reference and earlier builds
 * gave the scope: such a scope is adopted (renamed) when it is this workload's beyond doubt.
 */
export function legacyAudienceScopeName(namespace: string, workload: string): string {
  return `agent-${namespace}-${workload}-aud`;
}

/** The snapshot Secret of a namespace's migration, in the operator namespace (at most 90 characters). */
export function snapshotSecretName(namespace: string): string {
  return `kagenti-migration-snapshot-${namespace}`;
}

/** The containers Kagenti's legacy sidecar injector adds (spec §8). */
export const ENVOY_PROXY_CONTAINER = 'envoy-proxy';
export const SPIFFE_HELPER_CONTAINER = 'spiffe-helper';
export const CLIENT_REGISTRATION_CONTAINER = 'kagenti-client-registration';
export const LEGACY_CONTAINERS: ReadonlySet<string> = new Set([ENVOY_PROXY_CONTAINER, SPIFFE_HELPER_CONTAINER, CLIENT_REGISTRATION_CONTAINER]);

/** Clients of the realm of who may act on Temporal: the worker's and the watcher's, and the CLI's (people sign in through it). */
export const TEMPORAL_WORKER_CLIENT_ID = 'kagenti-waypoint-worker';
export const TEMPORAL_CLI_CLIENT_ID = 'kagenti-waypoint-cli';
/** The operator namespace's Secret with the worker client's secret (key `client-secret`), mounted by deploy/base. */
export const TEMPORAL_CLIENT_SECRET = 'kagenti-waypoint-temporal-client';

/** The Keycloak admin credentials Secret; in an agent namespace it is a sidecar-mode leftover the migration's clean-up deletes (spec §8). */
export const ADMIN_SECRET = 'keycloak-admin-secret';
/** The operator-wide ConfigMap and the per-namespace one (spec §4). */
export const OPERATOR_CONFIG = 'kagenti-operator-config';
export const NAMESPACE_CONFIG = 'authbridge-config';
