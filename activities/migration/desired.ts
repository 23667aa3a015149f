import { AUTH_MODE_LABEL, CREDENTIALS_ANNOTATION, ISTIO_INJECTION_LABEL, LEGACY_OPT_IN_LABELS, REGISTRATION_INJECT_LABEL, RESTARTED_AT_ANNOTATION } from '../../model/labels';
import { ambientLabels } from '../../model/names';

// Pure builders of what the sidecar-to-waypoint migration writes (spec §8).

/** The namespace label keys a migration may change, and so the keys a rollback restores. */
export function migratedNamespaceLabelKeys(namespace: string): string[] {
  return [ISTIO_INJECTION_LABEL, ...Object.keys(ambientLabels(namespace))];
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
