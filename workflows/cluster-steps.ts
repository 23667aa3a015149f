import type { KubernetesActivities } from '../model/activities';
import { localActivities, locallyWithSummary, LOCAL_REPORTING_OPTIONS } from './activity-proxies';

type ClusterStep = keyof KubernetesActivities;
type Step<K extends ClusterStep> = {
  executeWithOptions(options: object, args: Parameters<KubernetesActivities[K]>): Promise<Awaited<ReturnType<KubernetesActivities[K]>>>;
};

/**
 * Runs one short Kubernetes step of a pass as a local activity, with its summary for the Temporal
 * UI: inside the workflow task that needs it, with no round trip through the server's task queues
 * (in a burst of namespaces, scheduling each on the task queue was most of the server's work).
 * Events are reports, not work: a few tries, then the pass goes on without them.
 */
export function clusterStep<K extends ClusterStep>(name: K, summary: string, args: Parameters<KubernetesActivities[K]>): Promise<Awaited<ReturnType<KubernetesActivities[K]>>> {
  return locallyWithSummary(localActivities[name] as Step<K>, summary, args, name === 'recordEvents' ? LOCAL_REPORTING_OPTIONS : undefined);
}
