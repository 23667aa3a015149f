import { createHash } from 'node:crypto';
import { isConflict } from '../../model/errors';
import { KubeClients, MERGE_PATCH } from './clients';
import type { EventInput } from '../../model/events';

const REPORTING_COMPONENT = 'kagenti-waypoint-provisioner';
/** On an Event: the key of the last occurrence counted in it, so a retried activity counts it once. */
const LAST_KEY_ANNOTATION = 'kagenti.io/event-key';

/**
 * Records a Kubernetes Event where `kubectl describe` and `kubectl get events` show it, once per
 * key. An occurrence of a series already recorded adds one to that Event's count instead.
 */
export async function recordEvent(k8s: KubeClients, event: EventInput): Promise<void> {
  const now = new Date();
  const name = `${event.involved.name}.${createHash('sha256').update(event.series ?? event.key).digest('hex').slice(0, 16)}`;
  const apiVersion = event.involved.kind === 'Namespace' ? 'v1' : 'apps/v1';
  await k8s.core.createNamespacedEvent({
    namespace: event.namespace,
    body: {
      metadata: { name, namespace: event.namespace, annotations: { [LAST_KEY_ANNOTATION]: event.key } },
      involvedObject: {
        apiVersion,
        kind: event.involved.kind,
        name: event.involved.name,
        // For the Namespace itself too, so that the Event lives in (and is listed with) that namespace.
        namespace: event.namespace,
        uid: event.involved.uid,
      },
      type: event.type,
      reason: event.reason,
      message: event.message.slice(0, 1024),
      source: { component: REPORTING_COMPONENT },
      reportingComponent: REPORTING_COMPONENT,
      reportingInstance: REPORTING_COMPONENT,
      action: event.reason,
      firstTimestamp: now,
      lastTimestamp: now,
      eventTime: undefined,
      count: 1,
    },
  }).catch(async (error: unknown) => {
    if (!isConflict(error)) throw error;
    if (event.series) await countOccurrence(k8s, event, name, now);
  });
}

/** One more occurrence of a series: count, last timestamp and message, unless this key was counted already. */
async function countOccurrence(k8s: KubeClients, event: EventInput, name: string, now: Date): Promise<void> {
  const recorded = await k8s.core.readNamespacedEvent({ namespace: event.namespace, name });
  if (recorded.metadata?.annotations?.[LAST_KEY_ANNOTATION] === event.key) return;
  // With its resourceVersion, so two counts cannot both start from the same number.
  await k8s.core.patchNamespacedEvent(
    {
      namespace: event.namespace,
      name,
      body: {
        metadata: { resourceVersion: recorded.metadata?.resourceVersion, annotations: { [LAST_KEY_ANNOTATION]: event.key } },
        count: (recorded.count ?? 1) + 1,
        lastTimestamp: now.toISOString(),
        message: event.message.slice(0, 1024),
      },
    },
    MERGE_PATCH,
  );
}
