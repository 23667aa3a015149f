import { createHash } from 'node:crypto';

// Pure builders of the objects the provisioner owns (spec §2, §3, §5).

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'kagenti-waypoint-provisioner';
export const TYPE_LABEL = 'kagenti.io/type';
/** Values of kagenti.io/type that make a workload an agent or a tool. */
export const AGENT_TYPES: ReadonlySet<string> = new Set(['agent', 'tool']);
/** A Deployment or StatefulSet whose pod template says agent or tool (spec §1). */
export function hasAgentTemplate(object: { spec?: { template?: { metadata?: { labels?: Record<string, string> } } } }): boolean {
  return AGENT_TYPES.has(object.spec?.template?.metadata?.labels?.[TYPE_LABEL] ?? '');
}
export const REGISTRATION_INJECT_LABEL = 'kagenti.io/client-registration-inject';
export const CREDENTIALS_ANNOTATION = 'kagenti.io/keycloak-client-credentials-secret-name';
export const STATUS_ANNOTATION = 'kagenti.io/waypoint-provisioning-status';
export const WAYPOINT_GATEWAY_CLASS = 'istio-waypoint';
export const WAYPOINT_FOR_LABEL = 'istio.io/waypoint-for';

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

export interface GatewayObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: { gatewayClassName: string; listeners: { name: string; port: number; protocol: string }[] };
}

/** The waypoint Gateway with exactly the spec's fields (spec §3). */
export function desiredWaypointGateway(namespace: string): GatewayObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: waypointGatewayName(namespace), namespace, labels: { [WAYPOINT_FOR_LABEL]: 'all' } },
    spec: { gatewayClassName: WAYPOINT_GATEWAY_CLASS, listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }] },
  };
}

/** Names of the fields the provisioner owns that differ on the live Gateway. */
export function gatewayDrift(live: GatewayObject, desired: GatewayObject): string[] {
  const drift: string[] = [];
  if (live.metadata?.labels?.[WAYPOINT_FOR_LABEL] !== desired.metadata.labels[WAYPOINT_FOR_LABEL]) drift.push(`label ${WAYPOINT_FOR_LABEL}`);
  if (live.spec?.gatewayClassName !== desired.spec.gatewayClassName) drift.push('spec.gatewayClassName');
  const listeners = (live.spec?.listeners ?? []).map(({ name, port, protocol }) => ({ name, port, protocol }));
  if (JSON.stringify(listeners) !== JSON.stringify(desired.spec.listeners)) drift.push('spec.listeners');
  return drift;
}

/**
 * `kagenti-keycloak-client-credentials-` + the first 16 hex characters of SHA-256 over
 * namespace NUL workload NUL "kagenti-keycloak-client-credentials" (spec §5, with its test vectors).
 */
export function credentialsSecretName(namespace: string, workload: string): string {
  const digest = createHash('sha256').update(`${namespace}\x00${workload}\x00kagenti-keycloak-client-credentials`).digest('hex');
  return `kagenti-keycloak-client-credentials-${digest.slice(0, 16)}`;
}
