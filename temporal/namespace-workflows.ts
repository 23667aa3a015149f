import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { namespaceWorkflowId, TASK_QUEUE } from '../model/workflow-ids';
import { NamespaceWake, PRIORITY_KEY } from '../model/provisioning';
import { namespaceDeletedSignal, resourcesChangedSignal } from '../workflows/messages';
import type { namespaceWorkflow } from '../workflows/namespace-workflow';
import { ProvisionerNamespace, ProvisionerPhase } from '../workflows/search-attributes';

/** Tells a namespace's workflow that something changed, and why, starting it when it is not running. */
export async function notifyNamespaceChanged(client: Client, namespace: string, taskQueue = TASK_QUEUE, wake: NamespaceWake = { reason: 'change' }): Promise<void> {
  await client.workflow.signalWithStart<typeof namespaceWorkflow, [NamespaceWake?]>('namespaceWorkflow', {
    workflowId: namespaceWorkflowId(namespace),
    taskQueue,
    args: [{ namespace }],
    signal: resourcesChangedSignal,
    signalArgs: [wake],
    typedSearchAttributes: [
      { key: ProvisionerNamespace, value: namespace },
      { key: ProvisionerPhase, value: 'Waiting' },
    ],
    staticSummary: `Waypoint provisioning of namespace ${namespace}`,
    // A run keeps the priority it starts with, for life (continue-as-new too), and every new agent of
    // the namespace is its work: new work's key, whatever wake starts it. Maintenance's own tasks
    // (Keycloak repairs) carry the lower key per activity.
    priority: { priorityKey: PRIORITY_KEY.new },
  });
}

/** Tells a namespace's workflow that the namespace is gone; nothing to do when none runs. */
export async function notifyNamespaceDeleted(client: Client, namespace: string): Promise<void> {
  try {
    await client.workflow.getHandle(namespaceWorkflowId(namespace)).signal(namespaceDeletedSignal);
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
}
