import { createHash } from 'node:crypto';
import { isConflict } from '../../model/errors';
import type { KubeClients } from './clients';
import type { EventInput } from '../../model/events';

const REPORTING_COMPONENT = 'kagenti-waypoint-provisioner';

/** Records a Kubernetes Event where `kubectl describe` and `kubectl get events` show it; once per key. */
export async function recordEvent(k8s: KubeClients, event: EventInput): Promise<void> {
  const now = new Date();
  const name = `${event.involved.name}.${createHash('sha256').update(event.key).digest('hex').slice(0, 16)}`;
  const apiVersion = event.involved.kind === 'Namespace' ? 'v1' : 'apps/v1';
  await k8s.core.createNamespacedEvent({
    namespace: event.namespace,
    body: {
      metadata: { name, namespace: event.namespace },
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
  }).catch((error: unknown) => {
    if (!isConflict(error)) throw error;
  });
}
