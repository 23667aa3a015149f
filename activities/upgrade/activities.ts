import type { Client } from '@temporalio/client';
import type { UpgradeActivities } from '../../model/activities';
import { moveKeycloakAuditToCurrentBuild } from '../../temporal/keycloak-audit';
import { namespacesOnOtherBuilds } from '../../temporal/worker-deployment';

/** Namespaces listed per call: a few minutes of waking at the maintenance rate. */
const PAGE = 1_000;

/** What an upgrade to a new build reads and tells: which namespaces' workflows are still on another build; the audit, to move. */
export function upgradeActivities({ temporal, taskQueue }: { temporal: Client; taskQueue: string }): UpgradeActivities {
  return {
    listNamespacesOnOtherBuilds: ({ deploymentName, buildId }) => namespacesOnOtherBuilds(temporal, deploymentName, buildId, PAGE),
    moveAuditToCurrentBuild: () => moveKeycloakAuditToCurrentBuild(temporal, taskQueue),
  };
}
