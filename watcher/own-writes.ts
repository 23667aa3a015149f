import type { KubernetesObject } from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import stringify from 'safe-stable-stringify';
import { CHANGED_BY_PASS_ANNOTATION, CREDENTIALS_ANNOTATION, STATUS_ANNOTATION } from '../model/labels';
import { ambientLabels, credentialsSecretName } from '../model/names';

// The provisioner's own writes come back as watch events. A pass already accounts for them, so a
// second pass for each would only repeat Keycloak and Kubernetes reads (in a burst of namespaces,
// most of the work). These pure functions tell such echoes from real changes; anything they do not
// recognise as an echo counts as a change, so drift is never missed.

/** What of a Namespace a pass depends on: its labels and annotations, not the status annotation and the pass's mark that it writes itself. */
export interface NamespaceView {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  deleting: boolean;
}

export function namespaceView(ns: KubernetesObject): NamespaceView {
  const annotations = { ...(ns.metadata?.annotations ?? {}) };
  delete annotations[STATUS_ANNOTATION];
  delete annotations[CHANGED_BY_PASS_ANNOTATION];
  return { labels: ns.metadata?.labels ?? {}, annotations, deleting: Boolean(ns.metadata?.deletionTimestamp) };
}

function changedKeys(before: Record<string, string>, after: Record<string, string>): string[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((key) => before[key] !== after[key]);
}

/**
 * True when the update changes nothing a pass looks at, or only sets ambient labels to the values
 * the provisioner writes. A label removed or set to anything else is drift, and counts.
 */
export function isNamespaceEcho(name: string, before: NamespaceView, after: NamespaceView): boolean {
  if (before.deleting !== after.deleting || changedKeys(before.annotations, after.annotations).length > 0) return false;
  const desired = ambientLabels(name);
  return changedKeys(before.labels, after.labels).every((key) => desired[key] !== undefined && after.labels[key] === desired[key]);
}

/** What of a Deployment or StatefulSet a pass depends on: its spec, and apart from it the credentials annotation. */
export interface WorkloadView {
  generation: number;
  /** Digest of the spec without the credentials annotation. */
  spec: string;
  credentialsAnnotation?: string;
}

interface Workload extends KubernetesObject {
  spec?: { template?: { metadata?: { annotations?: Record<string, string> } } };
}

export function workloadView(workload: Workload): WorkloadView {
  const spec = structuredClone(workload.spec ?? {});
  const annotations = spec?.template?.metadata?.annotations;
  const credentialsAnnotation = annotations?.[CREDENTIALS_ANNOTATION];
  if (annotations) {
    delete annotations[CREDENTIALS_ANNOTATION];
    // A template that had no annotations before the provisioner's gets an empty map, not none.
    if (Object.keys(annotations).length === 0) delete spec.template!.metadata!.annotations;
  }
  return {
    generation: workload.metadata?.generation ?? 0,
    // Keys sorted: a listed object (the client's typed models) and a watched one (plain JSON) order them differently.
    spec: createHash('sha256').update(stringify(spec) ?? '').digest('hex'),
    credentialsAnnotation,
  };
}

/**
 * True when the update is status churn (same generation), or only sets the credentials annotation
 * to the Secret the provisioner names for this workload.
 */
export function isWorkloadEcho(namespace: string, name: string, before: WorkloadView, after: WorkloadView): boolean {
  if (before.generation === after.generation) return true;
  return before.spec === after.spec && after.credentialsAnnotation === credentialsSecretName(namespace, name);
}
