import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { PRIORITY_KEY } from '../model/provisioning';
import { keycloakAuditWorkflowId } from '../model/workflow-ids';
import type { keycloakAuditWorkflow } from '../workflows/keycloak-audit-workflow';
import { AuditSettings, auditSettingsSignal, moveToCurrentBuildSignal } from '../workflows/messages';

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

/** Signals the Keycloak audit of this task queue, if one runs. */
async function signalRunningAudit(client: Client, taskQueue: string, signal: (handle: ReturnType<Client['workflow']['getHandle']>) => Promise<void>): Promise<void> {
  try {
    await signal(client.workflow.getHandle(keycloakAuditWorkflowId(taskQueue)));
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
}

/**
 * Switches the Keycloak audit of this task queue off: a running audit is told interval 0 and ends
 * (its backlog of namespaces to wake with it); none running, nothing to do. The leading watcher
 * calls it when it starts leading with auditing off.
 */
export function switchKeycloakAuditOff(client: Client, taskQueue: string, settings: AuditSettings): Promise<void> {
  return signalRunningAudit(client, taskQueue, (audit) => audit.signal(auditSettingsSignal, { ...settings, intervalSeconds: 0 }));
}

/** Tells a running Keycloak audit of this task queue to move onto the current build now (an upgrade). */
export function moveKeycloakAuditToCurrentBuild(client: Client, taskQueue: string): Promise<void> {
  return signalRunningAudit(client, taskQueue, (audit) => audit.signal(moveToCurrentBuildSignal));
}
