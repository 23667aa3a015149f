import type { Logger } from 'pino';
import type { Settings } from '../../config/settings';
import type { KubernetesActivities } from '../../model/activities';
import { ErrorType } from '../../model/errors';
import type { EventInput } from '../../model/events';
import { logChange } from '../log-change';
import type { KubeClients } from './clients';
import { resolveProvisioningConfig } from './config';
import type { OperatorObjects } from './operator-objects';
import { recordEvent } from './events';
import { deleteWaypointGateway, ensureWaypointGateway, gatewaySupportCache, lookAtWaypoint, waitForGatewayProgrammed } from './gateways';
import { inNamespace, kubernetesFailure } from './gone';
import { ensureNamespaceLabels, inspectNamespace, recordNamespaceStatus, removeNamespaceLabels } from './namespaces';

/** What a verb says of a Gateway outcome in the log. */
const GATEWAY_VERB = { created: 'Created', updated: 'Repaired', adopted: 'Adopted', waiting: 'Waiting for' } as const;

/**
 * The provisioning pass's Kubernetes activities. A call into a namespace that is being deleted
 * fails as NamespaceGone, and one the apiserver refuses (RBAC, an admission policy) as
 * KubernetesRefused, both handled by the pass; an Event for a namespace going away is dropped.
 */
export function kubernetesActivities({ k8s, settings, log, operatorObjects }: { k8s: KubeClients; settings: Settings; log: Logger; operatorObjects: OperatorObjects }): KubernetesActivities {
  const recordEventUnlessGone = (event: EventInput) =>
    recordEvent(k8s, event).catch((error: unknown) => {
      const failure = kubernetesFailure(error, event.namespace);
      if (failure?.type !== ErrorType.NamespaceGone) throw failure ?? error;
    });
  const clusterFacts = gatewaySupportCache(k8s);
  return {
    inspectNamespace: inNamespace((namespace) => inspectNamespace(k8s, namespace)),
    resolveProvisioningConfig: inNamespace((namespace) => resolveProvisioningConfig(k8s, settings, namespace, operatorObjects)),
    ensureNamespaceLabels: inNamespace(async (namespace, seenUnset?: boolean, passKey?: string) => {
      const result = await ensureNamespaceLabels(k8s, namespace, seenUnset, passKey);
      logChange(log, result.outcome, 'Labelled Namespace for ambient mode', { namespace });
      return result;
    }),
    removeNamespaceLabels: inNamespace(async (namespace) => {
      const result = await removeNamespaceLabels(k8s, namespace);
      logChange(log, result.outcome, 'Removed ambient labels from Namespace', { namespace });
      return result;
    }),
    ensureWaypointGateway: inNamespace(async (namespace, expectNew?: boolean, passKey?: string) => {
      const result = await ensureWaypointGateway(k8s, namespace, { expectNew, clusterFacts, passKey });
      if (result.outcome !== 'unchanged') logChange(log, result.outcome, `${GATEWAY_VERB[result.outcome]} waypoint Gateway`, { namespace, ...result });
      return result;
    }),
    deleteWaypointGateway: inNamespace(async (namespace) => {
      const result = await deleteWaypointGateway(k8s, namespace);
      logChange(log, result.outcome, 'Deleted waypoint Gateway', { namespace });
      return result;
    }),
    lookAtWaypoint: (namespace, explain, reported) => lookAtWaypoint(k8s, namespace, explain, reported),
    waitForGatewayProgrammed: (namespace, timeoutSeconds) => waitForGatewayProgrammed(k8s, namespace, timeoutSeconds),
    recordNamespaceStatus: inNamespace((namespace, status: string, seen?: string | null) => recordNamespaceStatus(k8s, namespace, status, seen)),
    recordEvents: async (events) => {
      await Promise.all(events.map(recordEventUnlessGone));
    },
  };
}
