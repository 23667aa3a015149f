import type { Client } from '@temporalio/client';
import type { UpgradeActivities } from '../../model/activities';
import { namespacesOnOtherBuilds } from '../../temporal/worker-deployment';

/** Namespaces listed per call: a few minutes of waking at the maintenance rate. */
const PAGE = 1_000;

/** What an upgrade to a new build reads: which namespaces' workflows are still on another build. */
export function upgradeActivities({ temporal }: { temporal: Client }): UpgradeActivities {
  return {
    listNamespacesOnOtherBuilds: ({ deploymentName, buildId }) => namespacesOnOtherBuilds(temporal, deploymentName, buildId, PAGE),
  };
}
