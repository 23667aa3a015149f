import type { GatewayReadiness } from '../../model/provisioning';
import { activities, localActivities, locallyWithSummary, waitOptions, withSummary } from '../activity-proxies';
import { clusterStep } from '../cluster-steps';
import { showWaiting } from './status';
import type { PassContext, PassReport } from './pass-report';

/** Istio usually programs a waypoint within this long: looked for in a local activity first. */
const FIRST_LOOK_SECONDS = 5;

/** Runbook steps 1 and 2: the ambient labels and the waypoint Gateway, side by side (Istio reconciles either order). */
async function labelNamespaceAndEnsureGateway(ctx: PassContext, report: PassReport, gatewayName: string) {
  const { namespace } = ctx;
  const [labels, gateway] = await Promise.all([
    clusterStep('ensureNamespaceLabels', `Label namespace ${namespace} for ambient mode, using waypoint ${gatewayName}`, [namespace]),
    clusterStep('ensureWaypointGateway', `Create or repair waypoint Gateway ${gatewayName} in ${namespace}`, [namespace]),
  ]);
  if (labels.outcome !== 'unchanged') report.namespaceChanged('AmbientLabelsSet', 'Namespace labelled for ambient mode and its waypoint');
  if (gateway.outcome === 'created' || gateway.outcome === 'updated') {
    report.namespaceChanged(gateway.outcome === 'created' ? 'WaypointCreated' : 'WaypointRepaired', `Waypoint Gateway ${gateway.outcome}`);
  }
  return gateway;
}

/**
 * Runbook step 3: wait, bounded, for the waypoint to be Programmed. A first short look runs as a
 * local activity; only a slower waypoint costs a heartbeating activity for the rest of the bound.
 */
async function waitForWaypoint(namespace: string, waypoint: Waypoint): Promise<GatewayReadiness> {
  const { gatewayName, timeoutSeconds } = waypoint;
  const firstLook = Math.min(FIRST_LOOK_SECONDS, timeoutSeconds);
  const readiness = await locallyWithSummary(localActivities.waitForGatewayProgrammed, `Look for up to ${firstLook} s for waypoint Gateway ${gatewayName} to be Programmed`, [
    namespace,
    firstLook,
  ]);
  if (readiness.ready || readiness.refused || timeoutSeconds <= firstLook) return readiness;
  const rest = timeoutSeconds - firstLook;
  await showWaiting(namespace, waypoint.agentCount, { reason: 'WaypointNotReady', message: `Waiting up to ${rest} s more for waypoint Gateway ${gatewayName} to be Programmed` });
  return withSummary(activities.waitForGatewayProgrammed, `Wait up to ${rest} s more for waypoint Gateway ${gatewayName} to be Programmed`, [namespace, rest], waitOptions(rest));
}

/** The namespace's waypoint as a pass provisions it. */
export interface Waypoint {
  gatewayName: string;
  /** Bound on the wait for it to be Programmed. */
  timeoutSeconds: number;
  /** Agent workloads in the namespace, for the status shown while the pass waits. */
  agentCount: number;
}

/** Runbook steps 1–3: labels, Gateway and readiness; returns whether the waypoint is ready. */
export async function provisionWaypoint(ctx: PassContext, report: PassReport, waypoint: Waypoint): Promise<boolean> {
  const { gatewayName, timeoutSeconds } = waypoint;
  const gateway = await labelNamespaceAndEnsureGateway(ctx, report, gatewayName);
  if (gateway.outcome === 'waiting') {
    report.wait(gateway.reason, gateway.message);
    return false;
  }
  await report.flush();
  const readiness = await waitForWaypoint(ctx.namespace, waypoint);
  // A refusal or a name taken is final for what the cluster holds now: the pass did not wait out its bound for it.
  if (readiness.reason === 'WaypointNameTaken') {
    report.wait('WaypointNameTaken', readiness.message);
  } else if (readiness.refused) {
    report.wait('WaypointRefused', `istiod refused waypoint Gateway ${gatewayName}: ${readiness.reason}: ${readiness.message}`);
  } else if (!readiness.ready) {
    report.wait('WaypointNotReady', `Waypoint Gateway not Programmed after ${timeoutSeconds} s: ${readiness.reason} ${readiness.message}`.trim());
  } else if (!ctx.previous?.waypointReady) {
    report.namespaceChanged('WaypointReady', 'Waypoint Gateway is Programmed');
  }
  await report.flush();
  return readiness.ready;
}
