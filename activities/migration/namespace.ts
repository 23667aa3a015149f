import { ApplicationFailure } from '@temporalio/common';
import type { EnsureResult } from '../../model/provisioning';
import { KubeClients, MERGE_PATCH } from '../kubernetes/clients';
import { migratedNamespaceLabelKeys } from './desired';
import { ISTIO_INJECTION_LABEL, MIGRATION_ANNOTATION } from '../../model/labels';
import type { Snapshot } from './snapshot';

/**
 * Marks the namespace as held by this migration, so the provisioner stands aside. Refused when
 * another migration holds it.
 */
export async function holdNamespace(k8s: KubeClients, namespace: string, migrationId: string): Promise<EnsureResult> {
  const ns = await k8s.core.readNamespace({ name: namespace });
  const holder = ns.metadata?.annotations?.[MIGRATION_ANNOTATION];
  if (holder === migrationId) return { outcome: 'unchanged' };
  if (holder) throw ApplicationFailure.nonRetryable(`Namespace ${namespace} is held by another migration (${holder})`, 'NamespaceHeld');
  await k8s.core.patchNamespace({ name: namespace, body: { metadata: { annotations: { [MIGRATION_ANNOTATION]: migrationId } } } }, MERGE_PATCH);
  return { outcome: 'updated' };
}

/** Hands the namespace back to the provisioner. */
export async function releaseNamespace(k8s: KubeClients, namespace: string, migrationId: string): Promise<EnsureResult> {
  const ns = await k8s.core.readNamespace({ name: namespace });
  if (ns.metadata?.annotations?.[MIGRATION_ANNOTATION] !== migrationId) return { outcome: 'unchanged' };
  await k8s.core.patchNamespace({ name: namespace, body: { metadata: { annotations: { [MIGRATION_ANNOTATION]: null } } } }, MERGE_PATCH);
  return { outcome: 'updated' };
}

/** Turns Istio sidecar injection off for the namespace (the first wave). */
export async function removeIstioInjection(k8s: KubeClients, namespace: string): Promise<EnsureResult> {
  const ns = await k8s.core.readNamespace({ name: namespace });
  if (ns.metadata?.labels?.[ISTIO_INJECTION_LABEL] === undefined) return { outcome: 'unchanged' };
  await k8s.core.patchNamespace({ name: namespace, body: { metadata: { labels: { [ISTIO_INJECTION_LABEL]: null } } } }, MERGE_PATCH);
  return { outcome: 'updated' };
}

/** Puts the namespace labels a migration changes back to their snapshot values; other labels are left alone. */
export async function restoreNamespaceLabels(k8s: KubeClients, snapshot: Snapshot): Promise<EnsureResult> {
  const ns = await k8s.core.readNamespace({ name: snapshot.namespace });
  const live = ns.metadata?.labels ?? {};
  const patch: Record<string, string | null> = {};
  for (const key of migratedNamespaceLabelKeys(snapshot.namespace)) {
    const before = snapshot.namespaceLabels[key];
    if (live[key] !== before) patch[key] = before ?? null;
  }
  if (Object.keys(patch).length === 0) return { outcome: 'unchanged' };
  await k8s.core.patchNamespace({ name: snapshot.namespace, body: { metadata: { labels: patch } } }, MERGE_PATCH);
  return { outcome: 'updated' };
}
