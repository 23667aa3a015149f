import type { Client } from '@temporalio/client';
import { PRIORITY_KEY } from '../model/provisioning';
import { keycloakAuditWorkflowId } from '../model/workflow-ids';
import type { keycloakAuditWorkflow } from '../workflows/keycloak-audit-workflow';
import { AuditSettings, auditSettingsSignal } from '../workflows/messages';

/**
 * Makes sure the Keycloak audit of this task queue runs, with these settings: starts it when absent
 * (it audits at once), else tells it the settings. The leading watcher calls it when it starts leading.
 */
export async function ensureKeycloakAudit(client: Client, taskQueue: string, settings: AuditSettings): Promise<void> {
  await client.workflow.signalWithStart<typeof keycloakAuditWorkflow, [AuditSettings]>('keycloakAuditWorkflow', {
    workflowId: keycloakAuditWorkflowId(taskQueue),
    taskQueue,
    args: [{ settings }],
    signal: auditSettingsSignal,
    signalArgs: [settings],
    staticSummary: `Keycloak audit of task queue ${taskQueue}: wakes only the namespaces whose clients, scopes or Secrets differ`,
    // All of its work is maintenance: its workflow tasks wait behind new agents' too.
    priority: { priorityKey: PRIORITY_KEY.maintenance },
  });
}
