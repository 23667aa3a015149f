import { sleep } from '@temporalio/workflow';
import type { GatewayReadiness } from '../../model/provisioning';
import type { WaypointState } from '../../model/waypoint-gateway';
import { clusterStep } from '../cluster-steps';
import type { PassContext, PassReport } from './pass-report';

/** Istio usually programs a waypoint within this long: only a slower one is shown as waited for. */
const SHOW_WAITING_AFTER_MS = 5_000;

/**
 * Looks on the watcher's word come at most this often: a tenant flipping its Gateway's status
 * buys at most one look (three reads) a second while the pass waits, as polling once cost.
 */
const NEWS_LOOK_SPACING_MS = 1_000;

/** Runbook steps 1 and 2: the ambient labels and the waypoint Gateway, side by side (Istio reconciles either order). */
async function labelNamespaceAndEnsureGateway(ctx: PassContext, report: PassReport, waypoint: Waypoint) {
  const { namespace } = ctx;
  const { gatewayName } = waypoint;
  // A change is reported from the object's mark as well as from the step's outcome: a pass retried
  // after a crash that lost a step's result finds its own mark and reports the change still.
  const [labels, gateway] = await Promise.all([
    waypoint.labelsSet
      ? { outcome: waypoint.labelsSetBy === ctx.eventKeyPrefix ? ('updated' as const) : ('unchanged' as const) }
      : clusterStep('ensureNamespaceLabels', `Label namespace ${namespace} for ambient mode, using waypoint ${gatewayName}`, [namespace, true, ctx.eventKeyPrefix]),
    clusterStep('ensureWaypointGateway', `Create or repair waypoint Gateway ${gatewayName} in ${namespace}`, [namespace, waypoint.expectNew, ctx.eventKeyPrefix]),
  ]);
  if (labels.outcome !== 'unchanged') report.namespaceChanged('AmbientLabelsSet', 'Namespace labelled for ambient mode and its waypoint');
  if (gateway.outcome === 'created') report.namespaceChanged('WaypointCreated', 'Waypoint Gateway created');
  if (gateway.outcome === 'updated') report.namespaceChanged('WaypointRepaired', `Waypoint Gateway repaired: ${gateway.drift?.join(', ')}`);
  if (gateway.outcome === 'adopted') report.namespaceChanged('WaypointAdopted', 'Waypoint Gateway taken over as it is (its pods do not roll)');
  return gateway;
}

const decided = (readiness: GatewayReadiness) => readiness.ready || readiness.refused;

/**
 * Runbook step 3: wait, bounded, for the waypoint to be Programmed. Waiting costs next to nothing:
 * the watcher sees istiod's every verdict and tells the workflow, and only then is the Gateway
 * looked at again (no polling). A waypoint slower than a few seconds gets one look of its own (a
 * word the watcher did not send, for a namespace it took as settled, is not waited for in vain)
 * and is shown as waited for; at the bound, one last look names what holds it up (the scheduler's
 * word on its pods, or istiod's).
 */
async function waitForWaypoint(ctx: PassContext, waypoint: Waypoint, first: GatewayReadiness): Promise<GatewayReadiness> {
  const { namespace } = ctx;
  const { gatewayName } = waypoint;
  const look = async (summary: string, explain = false, reported?: WaypointState) => {
    const readiness = await clusterStep('lookAtWaypoint', `Look at waypoint ${gatewayName}: ${summary}`, [namespace, explain, reported ?? null]);
    ctx.waypointNews.saw(readiness);
    return readiness;
  };
  const started = Date.now();
  let readiness = first;
  ctx.waypointNews.saw(first);
  let slow = false;
  let lastNewsLook = -Infinity;
  while (!decided(readiness)) {
    const waited = Date.now() - started;
    const left = waypoint.timeoutSeconds * 1000 - waited;
    if (left <= 0) return look('why is it not Programmed?', true);
    if (!slow && waited >= SHOW_WAITING_AFTER_MS) {
      slow = true;
      readiness = await look(`still not Programmed after ${SHOW_WAITING_AFTER_MS / 1000} s?`);
      if (decided(readiness)) break;
      await ctx.status.showWaiting(waypoint.agentCount, { reason: 'WaypointNotReady', message: `Waiting up to ${Math.ceil(left / 1000)} s more for waypoint Gateway ${gatewayName} to be Programmed` });
      continue;
    }
    const news = await ctx.waypointNews.next(slow ? left : Math.min(left, SHOW_WAITING_AFTER_MS - waited));
    // A deleted namespace's waypoint is not waited for: the pass's next step finds the namespace gone.
    if (news === 'deleted') return readiness;
    if (news === 'news') {
      const early = lastNewsLook + NEWS_LOOK_SPACING_MS - Date.now();
      if (early > 0) await sleep(early);
      lastNewsLook = Date.now();
      readiness = await look('istiod reported a new verdict', false, ctx.waypointNews.reported());
    }
  }
  return readiness;
}

/** The namespace's waypoint as a pass provisions it. */
export interface Waypoint {
  gatewayName: string;
  /** Bound on the wait for it to be Programmed. */
  timeoutSeconds: number;
  /** Agent workloads in the namespace, for the status shown while the pass waits. */
  agentCount: number;
  /** No pass saw this namespace before: its Gateway is created without a look first. */
  expectNew: boolean;
  /** The ambient labels were in place when the pass read the namespace: not written, not read again. */
  labelsSet: boolean;
  /** The pass that set them (the namespace's mark). */
  labelsSetBy?: string;
}

/** Why the waypoint is not ready, as the namespace's waiting state says it. */
function waitingFor(readiness: GatewayReadiness, waypoint: Waypoint): { reason: string; message: string } {
  if (readiness.reason === 'WaypointNameTaken' || readiness.reason === 'WaypointUnschedulable') return { reason: readiness.reason, message: readiness.message };
  if (readiness.refused) return { reason: 'WaypointRefused', message: `istiod refused waypoint Gateway ${waypoint.gatewayName}: ${readiness.reason}: ${readiness.message}` };
  return { reason: 'WaypointNotReady', message: `Waypoint Gateway not Programmed after ${waypoint.timeoutSeconds} s: ${readiness.reason} ${readiness.message}`.trim() };
}

/** Runbook steps 1–3: labels, Gateway and readiness; returns whether the waypoint is ready. */
export async function provisionWaypoint(ctx: PassContext, report: PassReport, waypoint: Waypoint): Promise<boolean> {
  const gateway = await labelNamespaceAndEnsureGateway(ctx, report, waypoint);
  if (gateway.outcome === 'waiting') {
    report.wait(gateway.reason, gateway.message);
    return false;
  }
  await report.flush();
  const readiness = await waitForWaypoint(ctx, waypoint, gateway.readiness);
  if (!readiness.ready) {
    const { reason, message } = waitingFor(readiness, waypoint);
    report.wait(reason, message);
  } else if (!ctx.previous?.waypointReady) {
    report.namespaceChanged('WaypointReady', 'Waypoint Gateway is Programmed');
  }
  await report.flush();
  return readiness.ready;
}
