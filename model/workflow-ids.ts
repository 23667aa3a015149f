/** The task queue the worker polls and every execution of this project runs on. */
export const TASK_QUEUE = 'waypoint-provisioner';

const PREFIX = 'ns-provisioner/';

/** The one workflow id of a namespace's provisioning workflow, computed the same way by the watcher, people and tests. */
export function namespaceWorkflowId(namespace: string): string {
  return `${PREFIX}${namespace}`;
}

/** The namespace a provisioning workflow id belongs to, or undefined for any other id. */
export function namespaceOfWorkflowId(workflowId: string): string | undefined {
  return workflowId.startsWith(PREFIX) ? workflowId.slice(PREFIX.length) : undefined;
}

const MIGRATION_PREFIX = 'ns-migration/';

/** The one workflow id of a namespace's sidecar-to-waypoint migration: at most one runs per namespace. */
export function migrationWorkflowId(namespace: string): string {
  return `${MIGRATION_PREFIX}${namespace}`;
}

const AUDIT_PREFIX = 'keycloak-audit/';

/** The one Keycloak audit of a provisioner deployment (its task queue): the leading watcher starts it. */
export function keycloakAuditWorkflowId(taskQueue: string): string {
  return `${AUDIT_PREFIX}${taskQueue}`;
}

/** The upgrade that moves every namespace onto a build, once per time that build became current (a rollback is a new time). */
export function buildUpgradeWorkflowId(deploymentName: string, buildId: string, currentSince: Date): string {
  return `build-upgrade/${deploymentName}/${buildId}/${currentSince.toISOString()}`;
}
