import type { AgentWorkload, EnsureResult } from '../../workflows/types';
import { KubeClients, MERGE_PATCH } from './clients';
import { CREDENTIALS_ANNOTATION } from './desired';

type WorkloadRef = Pick<AgentWorkload, 'kind' | 'name'>;

async function readTemplateAnnotation(k8s: KubeClients, namespace: string, workload: WorkloadRef): Promise<string | undefined> {
  const object =
    workload.kind === 'Deployment'
      ? await k8s.apps.readNamespacedDeployment({ namespace, name: workload.name })
      : await k8s.apps.readNamespacedStatefulSet({ namespace, name: workload.name });
  return object.spec?.template?.metadata?.annotations?.[CREDENTIALS_ANNOTATION];
}

/**
 * Sets the pod-template annotation naming the credentials Secret. It rolls the workload once, so it
 * is written only when different, and only after the Secret exists (the workflow orders that).
 */
export async function ensureCredentialsAnnotation(k8s: KubeClients, namespace: string, workload: WorkloadRef, secretName: string): Promise<EnsureResult> {
  if ((await readTemplateAnnotation(k8s, namespace, workload)) === secretName) return { outcome: 'unchanged' };
  const body = { spec: { template: { metadata: { annotations: { [CREDENTIALS_ANNOTATION]: secretName } } } } };
  if (workload.kind === 'Deployment') await k8s.apps.patchNamespacedDeployment({ namespace, name: workload.name, body }, MERGE_PATCH);
  else await k8s.apps.patchNamespacedStatefulSet({ namespace, name: workload.name, body }, MERGE_PATCH);
  return { outcome: 'updated' };
}
