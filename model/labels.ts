// The names of the labels, annotations and Keycloak attributes the provisioner reads and writes
// (spec §1–§5, §8): one definition each, for the activities, the watcher, the tools and the tests.

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
/** The value of MANAGED_BY_LABEL, and of MANAGED_ATTRIBUTE on a Keycloak client, on everything the provisioner owns. */
export const MANAGED_BY = 'kagenti-waypoint-provisioner';
/** A label selector of everything the provisioner owns in the cluster. */
export const MANAGED_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY}`;
export const TYPE_LABEL = 'kagenti.io/type';
/** Values of kagenti.io/type that make a workload an agent or a tool. */
export const AGENT_TYPES: ReadonlySet<string> = new Set(['agent', 'tool']);
/** A Deployment or StatefulSet whose pod template says agent or tool (spec §1). */
export function hasAgentTemplate(object: { spec?: { template?: { metadata?: { labels?: Record<string, string> } } } }): boolean {
  return AGENT_TYPES.has(object.spec?.template?.metadata?.labels?.[TYPE_LABEL] ?? '');
}
/** A label selector of the pods that are agents or tools. */
export const AGENT_POD_SELECTOR = `${TYPE_LABEL} in (${[...AGENT_TYPES].join(',')})`;
export const REGISTRATION_INJECT_LABEL = 'kagenti.io/client-registration-inject';
export const CREDENTIALS_ANNOTATION = 'kagenti.io/keycloak-client-credentials-secret-name';
export const STATUS_ANNOTATION = 'kagenti.io/waypoint-provisioning-status';
/**
 * The pass (`<workflow id>/<run id>/<pass>`) that set a Namespace's ambient labels or created a
 * waypoint Gateway: a retry of that pass after a crash that lost the step's result still reports
 * the change, under the same Event key (at least once, and at most once).
 */
export const CHANGED_BY_PASS_ANNOTATION = 'kagenti.io/waypoint-changed-by-pass';
export const WAYPOINT_GATEWAY_CLASS = 'istio-waypoint';
export const WAYPOINT_FOR_LABEL = 'istio.io/waypoint-for';
/**
 * The field manager the provisioner writes waypoint Gateways as. The Gateway's managedFields then
 * record that it is the provisioner's: a mark istiod does not copy into the waypoint's pods, as it
 * copies every label and annotation of the Gateway (so marking an adopted waypoint with one would
 * roll it). A Gateway of that name without it and of another class is someone else's, and is left alone.
 */
export const GATEWAY_FIELD_MANAGER = MANAGED_BY;
/** The label istiod puts on the Deployment and Service it makes for a Gateway; it never writes over one without it. */
export const ISTIO_MANAGED_LABEL = 'gateway.istio.io/managed';
/** The label istiod puts on the pods of a Gateway's Deployment, naming the Gateway. */
export const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';

/** Attributes that mark a Keycloak client as the provisioner's, and whose it is. */
export const MANAGED_ATTRIBUTE = 'kagenti.io/managed-by';
export const NAMESPACE_ATTRIBUTE = 'kagenti.io/namespace';
export const WORKLOAD_ATTRIBUTE = 'kagenti.io/workload';

/** Istio's sidecar injection switch on a namespace; the first wave of a migration removes it. */
export const ISTIO_INJECTION_LABEL = 'istio-injection';
export const AUTH_MODE_LABEL = 'kagenti.io/auth-mode';
/** Pod-template labels that opt a workload into the legacy sidecars (spec §8). */
export const INJECT_LABEL = 'kagenti.io/inject';
export const ENVOY_PROXY_INJECT_LABEL = 'kagenti.io/envoy-proxy-inject';
export const SPIFFE_HELPER_INJECT_LABEL = 'kagenti.io/spiffe-helper-inject';
export const LEGACY_OPT_IN_LABELS = [INJECT_LABEL, ENVOY_PROXY_INJECT_LABEL, SPIFFE_HELPER_INJECT_LABEL] as const;
/** The annotation `kubectl rollout restart` sets; a new value rolls the workload. */
export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';
/**
 * On a namespace while a migration holds it: the provisioner stands aside until it is gone, so the
 * two never write the same objects. The value is the migration's workflow id.
 */
export const MIGRATION_ANNOTATION = 'kagenti.io/waypoint-migration';
/**
 * Legacy client-registration Secrets, unless the migration input names another selector. The spec
 * names these Secrets but not how to recognise them; this label is our convention.
 */
export const LEGACY_SECRET_SELECTOR = 'kagenti.io/client-registration=legacy';
