import { Context } from '@temporalio/activity';
import type { DeleteResult, GatewayEnsureResult, GatewayReadiness } from '../../model/provisioning';
import { isConflict, isNotFound } from '../../model/errors';
import { KubeClients, MERGE_PATCH } from './clients';
import { desiredWaypointGateway, GatewayObject, gatewayDrift } from '../../model/waypoint-gateway';
import { WAYPOINT_GATEWAY_CLASS } from '../../model/labels';
import { waypointGatewayName } from '../../model/names';

const GROUP = 'gateway.networking.k8s.io';
const VERSION = 'v1';

function gatewayRef(namespace: string) {
  return { group: GROUP, version: VERSION, namespace, plural: 'gateways', name: waypointGatewayName(namespace) };
}

/**
 * Creates the waypoint Gateway or repairs drift in its class, listeners or label. A missing
 * Gateway API or GatewayClass is a waiting state, reported by the caller, not a failure.
 */
export async function ensureWaypointGateway(k8s: KubeClients, namespace: string): Promise<GatewayEnsureResult & { drift?: string[] }> {
  const groups = await k8s.apis.getAPIVersions();
  const gatewayApi = groups.groups.find((g) => g.name === GROUP);
  if (!gatewayApi?.versions.some((v) => v.version === VERSION)) {
    return { outcome: 'waiting', reason: 'GatewayApiMissing', message: `The Gateway API (${GROUP}/${VERSION}) is not installed in the cluster` };
  }
  try {
    await k8s.custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: 'gatewayclasses', name: WAYPOINT_GATEWAY_CLASS });
  } catch (error) {
    if (!isNotFound(error)) throw error;
    return { outcome: 'waiting', reason: 'GatewayClassMissing', message: `GatewayClass ${WAYPOINT_GATEWAY_CLASS} does not exist (is Istio ambient installed?)` };
  }

  const desired = desiredWaypointGateway(namespace);
  let live: GatewayObject;
  try {
    live = (await k8s.custom.getNamespacedCustomObject(gatewayRef(namespace))) as GatewayObject;
  } catch (error) {
    if (!isNotFound(error)) throw error;
    try {
      await k8s.custom.createNamespacedCustomObject({ ...gatewayRef(namespace), body: desired });
      return { outcome: 'created' };
    } catch (createError) {
      if (!isConflict(createError)) throw createError;
      live = (await k8s.custom.getNamespacedCustomObject(gatewayRef(namespace))) as GatewayObject;
    }
  }
  const drift = gatewayDrift(live, desired);
  if (drift.length === 0) return { outcome: 'unchanged' };
  // A merge patch replaces the listeners list whole, so extra listeners are removed too.
  await k8s.custom.patchNamespacedCustomObject(
    { ...gatewayRef(namespace), body: { metadata: { labels: desired.metadata.labels }, spec: desired.spec } },
    MERGE_PATCH,
  );
  return { outcome: 'updated', drift };
}

/** Deletes the waypoint Gateway (opt-in clean-up); NotFound counts as done. */
export async function deleteWaypointGateway(k8s: KubeClients, namespace: string): Promise<DeleteResult> {
  try {
    await k8s.custom.deleteNamespacedCustomObject(gatewayRef(namespace));
    return { outcome: 'deleted' };
  } catch (error) {
    if (isNotFound(error)) return { outcome: 'unchanged' };
    throw error;
  }
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

async function readReadiness(k8s: KubeClients, namespace: string): Promise<GatewayReadiness> {
  try {
    const gateway = (await k8s.custom.getNamespacedCustomObject(gatewayRef(namespace))) as {
      metadata: { generation?: number };
      status?: { conditions?: Condition[] };
    };
    const programmed = gateway.status?.conditions?.find((c) => c.type === 'Programmed');
    if (!programmed) return { ready: false, reason: 'NoStatus', message: 'The Gateway has no Programmed condition yet' };
    return { ready: programmed.status === 'True', reason: programmed.reason ?? programmed.status, message: programmed.message ?? '' };
  } catch (error) {
    if (isNotFound(error)) return { ready: false, reason: 'NotFound', message: 'The waypoint Gateway does not exist' };
    throw error;
  }
}

/**
 * Waits, heartbeating, until the Gateway's Programmed condition is True or `timeoutSeconds` pass.
 * A timeout is a result (ready: false), not a failure: the workflow reports it and retries later.
 */
export async function waitForGatewayProgrammed(k8s: KubeClients, namespace: string, timeoutSeconds: number): Promise<GatewayReadiness> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  const context = Context.current();
  // Quick first looks (Istio is usually fast), then at most one read a second per namespace.
  let delayMs = 100;
  for (;;) {
    const readiness = await readReadiness(k8s, namespace);
    if (readiness.ready || Date.now() >= deadline) return readiness;
    // A local activity (the workflow's first short look) cannot heartbeat.
    if (!context.info.isLocal) context.heartbeat();
    await context.sleep(Math.min(delayMs, Math.max(0, deadline - Date.now())));
    delayMs = Math.min(1000, delayMs * 1.5);
  }
}
