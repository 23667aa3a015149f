import type { V1Deployment, V1StatefulSet } from '@kubernetes/client-node';
import type { AgentWorkload, EnsureResult } from '../../model/provisioning';
import { KubeClients, MERGE_PATCH } from './clients';
import { CREDENTIALS_ANNOTATION } from '../../model/labels';

type WorkloadRef = Pick<AgentWorkload, 'kind' | 'name'>;

export function readWorkload(k8s: KubeClients, namespace: string, workload: WorkloadRef): Promise<V1Deployment | V1StatefulSet> {
  return workload.kind === 'Deployment'
    ? k8s.apps.readNamespacedDeployment({ namespace, name: workload.name })
    : k8s.apps.readNamespacedStatefulSet({ namespace, name: workload.name });
}

/** Patches a Deployment or StatefulSet: a JSON merge patch with MERGE_PATCH, a JSON Patch (an array of operations) without. */
export async function patchWorkload(k8s: KubeClients, namespace: string, workload: WorkloadRef, body: object, options?: typeof MERGE_PATCH): Promise<void> {
  if (workload.kind === 'Deployment') await k8s.apps.patchNamespacedDeployment({ namespace, name: workload.name, body }, options);
  else await k8s.apps.patchNamespacedStatefulSet({ namespace, name: workload.name, body }, options);
}

/**
 * Sets the pod-template annotation naming the credentials Secret. It rolls the workload once, so it
 * is written only when different, and only after the Secret exists (the workflow orders that).
 * `seen`: the annotation as the caller just read it (null: none), so it is not read again.
 */
export async function ensureCredentialsAnnotation(k8s: KubeClients, namespace: string, workload: WorkloadRef, secretName: string, seen?: string | null): Promise<EnsureResult> {
  const current = seen !== undefined ? seen : (await readWorkload(k8s, namespace, workload)).spec?.template?.metadata?.annotations?.[CREDENTIALS_ANNOTATION];
  if (current === secretName) return { outcome: 'unchanged' };
  await patchWorkload(k8s, namespace, workload, { spec: { template: { metadata: { annotations: { [CREDENTIALS_ANNOTATION]: secretName } } } } }, MERGE_PATCH);
  return { outcome: 'updated' };
}
