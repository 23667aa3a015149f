import type { Client } from '@temporalio/client';
import { keycloakAuditWorkflowId } from '../workflows/ids';
import type { keycloakAuditWorkflow } from '../workflows/keycloak-audit-workflow';
import { auditIntervalSignal } from '../workflows/messages';

/**
 * Makes sure the Keycloak audit of this task queue runs, with this interval: starts it when absent
 * (it audits at once), else tells it the interval. The leading watcher calls it when it starts leading.
 */
export async function ensureKeycloakAudit(client: Client, taskQueue: string, intervalSeconds: number): Promise<void> {
  await client.workflow.signalWithStart<typeof keycloakAuditWorkflow, [{ intervalSeconds: number }]>('keycloakAuditWorkflow', {
    workflowId: keycloakAuditWorkflowId(taskQueue),
    taskQueue,
    args: [{ intervalSeconds }],
    signal: auditIntervalSignal,
    signalArgs: [{ intervalSeconds }],
    staticSummary: `Keycloak audit of task queue ${taskQueue}: wakes only the namespaces whose clients, scopes or Secrets differ`,
  });
}
