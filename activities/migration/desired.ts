import { ambientLabels, CREDENTIALS_ANNOTATION, REGISTRATION_INJECT_LABEL } from '../kubernetes/desired';

// Pure builders of what the sidecar-to-waypoint migration writes (spec §8).

/** Istio's sidecar injection switch on a namespace; the first wave removes it. */
export const ISTIO_INJECTION_LABEL = 'istio-injection';
export const AUTH_MODE_LABEL = 'kagenti.io/auth-mode';
/** Pod-template labels that opt a workload into the legacy sidecars (spec §8). */
export const INJECT_LABEL = 'kagenti.io/inject';
export const ENVOY_PROXY_INJECT_LABEL = 'kagenti.io/envoy-proxy-inject';
export const SPIFFE_HELPER_INJECT_LABEL = 'kagenti.io/spiffe-helper-inject';
export const LEGACY_OPT_IN_LABELS = [INJECT_LABEL, ENVOY_PROXY_INJECT_LABEL, SPIFFE_HELPER_INJECT_LABEL] as const;
/** The containers Kagenti's legacy sidecar injector adds (spec §8). */
export const ENVOY_PROXY_CONTAINER = 'envoy-proxy';
export const SPIFFE_HELPER_CONTAINER = 'spiffe-helper';
export const CLIENT_REGISTRATION_CONTAINER = 'kagenti-client-registration';
export const LEGACY_CONTAINERS: ReadonlySet<string> = new Set([ENVOY_PROXY_CONTAINER, SPIFFE_HELPER_CONTAINER, CLIENT_REGISTRATION_CONTAINER]);
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
/** In an agent namespace this Secret is a sidecar-mode leftover; the clean-up deletes it (spec §8). */
export const LEGACY_ADMIN_SECRET = 'keycloak-admin-secret';

/** The namespace label keys a migration may change, and so the keys a rollback restores. */
export function migratedNamespaceLabelKeys(namespace: string): string[] {
  return [ISTIO_INJECTION_LABEL, ...Object.keys(ambientLabels(namespace))];
}

/** The snapshot Secret of a namespace's migration, in the operator namespace (at most 90 characters). */
export function snapshotSecretName(namespace: string): string {
  return `kagenti-migration-snapshot-${namespace}`;
}

export interface TemplateMetadata {
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/**
 * A pod template's metadata in waypoint mode: the legacy opt-ins dropped, auth-mode waypoint, the
 * credentials Secret named and the restart stamp set. One change, so the workload rolls once.
 */
export function waypointTemplateMetadata(current: TemplateMetadata, credentialsSecret: string, restartedAt: string): TemplateMetadata {
  const labels = { ...current.labels };
  const annotations = { ...current.annotations };
  for (const key of [...LEGACY_OPT_IN_LABELS, REGISTRATION_INJECT_LABEL]) delete labels[key];
  delete annotations[REGISTRATION_INJECT_LABEL];
  labels[AUTH_MODE_LABEL] = 'waypoint';
  annotations[CREDENTIALS_ANNOTATION] = credentialsSecret;
  annotations[RESTARTED_AT_ANNOTATION] = restartedAt;
  return { labels, annotations };
}
