import { Context } from '@temporalio/activity';
import type { DeleteResult, GatewayEnsureResult, GatewayReadiness } from '../../model/provisioning';
import { isConflict, isNotFound } from '../../model/errors';
import { KubeClients, MERGE_PATCH } from './clients';
import { desiredWaypointGateway, GatewayObject, gatewayDrift, isSomeoneElsesGateway, istiodHasAnswered, waypointVerdict } from '../../model/waypoint-gateway';
import { ISTIO_MANAGED_LABEL, WAYPOINT_GATEWAY_CLASS } from '../../model/labels';
import { waypointGatewayName } from '../../model/names';

const GROUP = 'gateway.networking.k8s.io';
const VERSION = 'v1';

function gatewayRef(namespace: string) {
  return { group: GROUP, version: VERSION, namespace, plural: 'gateways', name: waypointGatewayName(namespace) };
}

/**
 * Creates the waypoint Gateway or repairs drift in its class, listeners, label or mark (adopting a
 * waypoint made by hand). A missing Gateway API or GatewayClass, and a Gateway of that name that
 * is someone else's, are waiting states reported by the caller, not failures: nothing is written.
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
  if (isSomeoneElsesGateway(live)) {
    return {
      outcome: 'waiting',
      reason: 'WaypointNameTaken',
      message: `Gateway ${desired.metadata.name} already exists with class ${live.spec?.gatewayClassName ?? '(none)'} and is not the provisioner's: it is left alone. Rename or delete it to let the waypoint be created`,
    };
  }
  const drift = gatewayDrift(live, desired);
  if (drift.length === 0) return { outcome: 'unchanged' };
  // A merge patch replaces the listeners list whole, so extra listeners are removed too.
  await k8s.custom.patchNamespacedCustomObject(
    { ...gatewayRef(namespace), body: { metadata: { labels: desired.metadata.labels, annotations: desired.metadata.annotations }, spec: desired.spec } },
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

/** Reads an object, or undefined when it does not exist. */
const unlessMissing = <T>(read: Promise<T>): Promise<T | undefined> => read.catch((error: unknown) => (isNotFound(error) ? undefined : Promise.reject(error)));

/**
 * The objects istiod makes for the waypoint (its Service and Deployment, named like the Gateway)
 * that already exist without istiod's label: istiod never writes over them, so the waypoint
 * cannot work. Undefined when there are none.
 */
async function takenByOthers(k8s: KubeClients, namespace: string): Promise<string | undefined> {
  const name = waypointGatewayName(namespace);
  const [service, deployment] = await Promise.all([
    unlessMissing(k8s.core.readNamespacedService({ namespace, name })),
    unlessMissing(k8s.apps.readNamespacedDeployment({ namespace, name })),
  ]);
  const taken: string[] = [];
  if (service && !service.metadata?.labels?.[ISTIO_MANAGED_LABEL]) taken.push(`Service ${namespace}/${name}`);
  if (deployment && !deployment.metadata?.labels?.[ISTIO_MANAGED_LABEL]) taken.push(`Deployment ${namespace}/${name}`);
  if (taken.length === 0) return undefined;
  return `${taken.join(' and ')} already exist${taken.length === 1 ? 's' : ''} without istiod's label ${ISTIO_MANAGED_LABEL}: istiod will not write over ${taken.length === 1 ? 'it' : 'them'}, so the waypoint cannot run. Rename or delete ${taken.length === 1 ? 'it' : 'them'}`;
}

/** istiod's verdict on the waypoint, and whether something of someone else's stands in its way. */
async function readReadiness(k8s: KubeClients, namespace: string): Promise<GatewayReadiness> {
  let gateway: GatewayObject;
  try {
    gateway = (await k8s.custom.getNamespacedCustomObject(gatewayRef(namespace))) as GatewayObject;
  } catch (error) {
    if (isNotFound(error)) return { ready: false, refused: false, reason: 'NotFound', message: 'The waypoint Gateway does not exist' };
    throw error;
  }
  const verdict = waypointVerdict(gateway);
  // Once istiod has answered: a taken Service keeps the Gateway unprogrammed (AddressNotAssigned),
  // a taken Deployment leaves it Programmed with no waypoint behind it.
  if (istiodHasAnswered(gateway)) {
    const taken = await takenByOthers(k8s, namespace);
    if (taken) return { ready: false, refused: true, reason: 'WaypointNameTaken', message: taken };
  }
  return verdict;
}

/**
 * Waits, heartbeating, until istiod has programmed the waypoint (waypointVerdict) or `timeoutSeconds`
 * pass, or stops at once when istiod refused it. A timeout or a refusal is a result (ready: false),
 * not a failure: the workflow reports it and looks again later.
 */
export async function waitForGatewayProgrammed(k8s: KubeClients, namespace: string, timeoutSeconds: number): Promise<GatewayReadiness> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  const context = Context.current();
  // Quick first looks (Istio is usually fast), then at most one read a second per namespace.
  let delayMs = 100;
  for (;;) {
    const readiness = await readReadiness(k8s, namespace);
    if (readiness.ready || readiness.refused || Date.now() >= deadline) return readiness;
    // A local activity (the workflow's first short look) cannot heartbeat.
    if (!context.info.isLocal) context.heartbeat();
    await context.sleep(Math.min(delayMs, Math.max(0, deadline - Date.now())));
    delayMs = Math.min(1000, delayMs * 1.5);
  }
}
