import { patched } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { activities, localActivities, locallyWithSummary, LOCAL_REPORTING_OPTIONS, REPORTING_OPTIONS, reporting, withSummary } from './activity-proxies';

/**
 * The provisioner's short Kubernetes steps run as local activities (histories recorded before
 * scheduled each on the task queue: two server round trips and a workflow task apiece, which in a
 * burst of namespaces was most of the Temporal server's and the worker's work).
 */
const LOCAL_KUBERNETES_STEPS = 'local-kubernetes-steps';

type ClusterStep =
  | 'inspectNamespace'
  | 'resolveProvisioningConfig'
  | 'ensureNamespaceLabels'
  | 'ensureWaypointGateway'
  | 'deleteWaypointGateway'
  | 'removeNamespaceLabels'
  | 'recordNamespaceStatus'
  | 'recordEvents';

type Step<K extends ClusterStep> = { executeWithOptions(options: object, args: Parameters<Activities[K]>): Promise<Awaited<ReturnType<Activities[K]>>> };

/** Runs one Kubernetes step of a pass, with its summary for the Temporal UI. */
export function clusterStep<K extends ClusterStep>(name: K, summary: string, args: Parameters<Activities[K]>): Promise<Awaited<ReturnType<Activities[K]>>> {
  const report = name === 'recordEvents';
  if (patched(LOCAL_KUBERNETES_STEPS)) {
    return locallyWithSummary(localActivities[name] as Step<K>, summary, args, report ? LOCAL_REPORTING_OPTIONS : undefined);
  }
  return withSummary((report ? reporting : activities)[name] as Step<K>, summary, args, report ? REPORTING_OPTIONS : undefined);
}
