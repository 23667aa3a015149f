import { Context } from '@temporalio/activity';
import type { DeleteResult, GatewayEnsureResult, GatewayReadiness } from '../../model/provisioning';
import { isConflict, isNotFound } from '../../model/errors';
import { KubeClients, MERGE_PATCH, SERVER_SIDE_APPLY, unlessMissing } from './clients';
import { sharedRead } from './shared-read';
import { desiredWaypointGateway, GatewayObject, gatewayDrift, isOwnGateway, isSomeoneElsesGateway, istiodHasAnswered, waypointVerdict, type WaypointState } from '../../model/waypoint-gateway';
import { CHANGED_BY_PASS_ANNOTATION, GATEWAY_FIELD_MANAGER, GATEWAY_NAME_LABEL, ISTIO_MANAGED_LABEL, WAYPOINT_GATEWAY_CLASS } from '../../model/labels';
import { waypointGatewayName } from '../../model/names';

const GROUP = 'gateway.networking.k8s.io';
const VERSION = 'v1';

function gatewayRef(namespace: string) {
  return { group: GROUP, version: VERSION, namespace, plural: 'gateways', name: waypointGatewayName(namespace) };
}

/** The waypoint Gateway, or undefined when it does not exist. */
const readGateway = (k8s: KubeClients, namespace: string) => unlessMissing(k8s.custom.getNamespacedCustomObject(gatewayRef(namespace)) as Promise<GatewayObject>);

/**
 * Creates the waypoint Gateway or repairs drift in its class, listeners or label, and takes over a
 * waypoint made by hand or by the reference operator, and says how istiod judges it as it stands (a Gateway just written has
 * no verdict yet). A missing Gateway API or GatewayClass, and a Gateway of that name that is
 * someone else's, are waiting states reported by the caller, not failures: nothing is written.
 * `expectNew`: no pass saw the Gateway before, so it is created without a look first (one request,
 * not two). The cluster-wide facts (the API, the class) come from `clusterFacts`: a worker remembers
 * them for a few seconds (gatewaySupportCache).
 */
export async function ensureWaypointGateway(
  k8s: KubeClients,
  namespace: string,
  { expectNew = false, clusterFacts, passKey }: { expectNew?: boolean; clusterFacts?: GatewaySupport; passKey?: string } = {},
): Promise<GatewayEnsureResult & { drift?: string[] }> {
  const missing = await (clusterFacts ? clusterFacts.missing() : missingGatewaySupport(k8s));
  if (missing) return { outcome: 'waiting', ...missing };

  const desired = desiredWaypointGateway(namespace);
  const create = async (): Promise<GatewayObject | undefined> => {
    try {
      // The creating pass's mark, set once: istiod copies it into the waypoint's pods as they are first made, and nothing changes it after.
      const body = passKey ? { ...desired, metadata: { ...desired.metadata, annotations: { [CHANGED_BY_PASS_ANNOTATION]: passKey } } } : desired;
      return (await k8s.custom.createNamespacedCustomObject({ ...gatewayRef(namespace), body, fieldManager: GATEWAY_FIELD_MANAGER })) as GatewayObject;
    } catch (error) {
      if (isConflict(error)) return undefined;
      throw error;
    }
  };
  const read = () => readGateway(k8s, namespace);
  let live = expectNew ? undefined : await read();
  if (!live) {
    const created = await create();
    if (created) return { outcome: 'created', readiness: waypointVerdict(created) };
    live = await read();
    if (!live) throw new Error(`Gateway ${desired.metadata.name} was deleted while it was being created; the next try makes it`);
  }
  if (isSomeoneElsesGateway(live)) {
    return {
      outcome: 'waiting',
      reason: 'WaypointNameTaken',
      message: `Gateway ${desired.metadata.name} already exists with class ${live.spec?.gatewayClassName ?? '(none)'} and is not the provisioner's: it is left alone. Rename or delete it to let the waypoint be created`,
    };
  }
  const drift = gatewayDrift(live, desired);
  if (drift.length > 0) {
    // A merge patch replaces the listeners list whole, so extra listeners go too; as the
    // provisioner's field manager, it also marks the Gateway as its own.
    const repaired = (await k8s.custom.patchNamespacedCustomObject(
      { ...gatewayRef(namespace), body: { metadata: { labels: desired.metadata.labels }, spec: desired.spec }, fieldManager: GATEWAY_FIELD_MANAGER },
      MERGE_PATCH,
    )) as GatewayObject;
    return { outcome: 'updated', drift, readiness: waypointVerdict(repaired) };
  }
  if (isOwnGateway(live)) {
    // Created by this very pass in an attempt whose result was lost (a crash): still reported as created.
    const createdByThisPass = passKey !== undefined && live.metadata?.annotations?.[CHANGED_BY_PASS_ANNOTATION] === passKey;
    return { outcome: createdByThisPass ? 'created' : 'unchanged', readiness: await judged(k8s, namespace, live) };
  }
  // A waypoint made by hand or by the reference operator, as it should be: a server-side apply of
  // the same fields makes them the provisioner's too, with no label or annotation that istiod would
  // copy into the waypoint's pods. Nothing istiod renders changes: its pods do not roll.
  const adopted = (await k8s.custom.patchNamespacedCustomObject(
    { ...gatewayRef(namespace), body: desired, fieldManager: GATEWAY_FIELD_MANAGER, force: true },
    SERVER_SIDE_APPLY,
  )) as GatewayObject;
  return { outcome: 'adopted', readiness: await judged(k8s, namespace, adopted) };
}

type MissingSupport = { reason: 'GatewayApiMissing' | 'GatewayClassMissing'; message: string };
/** Where the Gateway API's and the GatewayClass's presence comes from. */
export type GatewaySupport = { missing(): Promise<MissingSupport | undefined> };

/** How long the Gateway API's and the GatewayClass's presence is taken as known (they change with an Istio install, not per namespace). */
const CLUSTER_FACTS_TTL_MS = 10_000;

/**
 * A worker's memory of whether the cluster can hold waypoints at all: a burst of namespaces asks
 * once per period, concurrent passes sharing the look. Only presence is remembered; a missing API
 * or class is looked up on every pass, so an install is seen at once.
 */
export function gatewaySupportCache(k8s: KubeClients, ttlMs = CLUSTER_FACTS_TTL_MS): GatewaySupport {
  return { missing: sharedRead(() => missingGatewaySupport(k8s), ttlMs, (missing) => missing === undefined) };
}

async function missingGatewaySupport(k8s: KubeClients): Promise<MissingSupport | undefined> {
  const groups = await k8s.apis.getAPIVersions();
  const gatewayApi = groups.groups.find((g) => g.name === GROUP);
  if (!gatewayApi?.versions.some((v) => v.version === VERSION)) {
    return { reason: 'GatewayApiMissing', message: `The Gateway API (${GROUP}/${VERSION}) is not installed in the cluster` };
  }
  try {
    await k8s.custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: 'gatewayclasses', name: WAYPOINT_GATEWAY_CLASS });
    return undefined;
  } catch (error) {
    if (!isNotFound(error)) throw error;
    return { reason: 'GatewayClassMissing', message: `GatewayClass ${WAYPOINT_GATEWAY_CLASS} does not exist (is Istio ambient installed?)` };
  }
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

/**
 * The objects istiod makes for the waypoint (its Service and Deployment, named like the Gateway)
 * that already exist without istiod's label: istiod never writes over them, so the waypoint
 * cannot work. A taken Service keeps the Gateway unprogrammed (AddressNotAssigned), a taken
 * Deployment leaves it Programmed with no waypoint behind it: so a waypoint istiod calls ready needs
 * only its Deployment looked at. Undefined when there are none.
 */
async function takenByOthers(k8s: KubeClients, namespace: string, ready: boolean): Promise<string | undefined> {
  const name = waypointGatewayName(namespace);
  const [service, deployment] = await Promise.all([
    ready ? undefined : unlessMissing(k8s.core.readNamespacedService({ namespace, name })),
    unlessMissing(k8s.apps.readNamespacedDeployment({ namespace, name })),
  ]);
  const taken: string[] = [];
  if (service && !service.metadata?.labels?.[ISTIO_MANAGED_LABEL]) taken.push(`Service ${namespace}/${name}`);
  if (deployment && !deployment.metadata?.labels?.[ISTIO_MANAGED_LABEL]) taken.push(`Deployment ${namespace}/${name}`);
  if (taken.length === 0) return undefined;
  return `${taken.join(' and ')} already exist${taken.length === 1 ? 's' : ''} without istiod's label ${ISTIO_MANAGED_LABEL}: istiod will not write over ${taken.length === 1 ? 'it' : 'them'}, so the waypoint cannot run. Rename or delete ${taken.length === 1 ? 'it' : 'them'}`;
}

/** A verdict, unless something of someone else's stands in the waypoint's way. */
async function unlessTaken(k8s: KubeClients, namespace: string, verdict: GatewayReadiness): Promise<GatewayReadiness> {
  const taken = await takenByOthers(k8s, namespace, verdict.ready);
  return taken ? { ready: false, refused: true, reason: 'WaypointNameTaken', message: taken } : verdict;
}

/** istiod's verdict on a Gateway as read, and, once istiod has answered, whether something of someone else's stands in its way. */
async function judged(k8s: KubeClients, namespace: string, gateway: GatewayObject): Promise<GatewayReadiness> {
  const verdict = waypointVerdict(gateway);
  return istiodHasAnswered(gateway) ? unlessTaken(k8s, namespace, verdict) : verdict;
}

/** istiod's verdict on the waypoint, and whether something of someone else's stands in its way. */
async function readReadiness(k8s: KubeClients, namespace: string): Promise<GatewayReadiness> {
  const gateway = await readGateway(k8s, namespace);
  if (!gateway) return { ready: false, refused: false, reason: 'NotFound', message: 'The waypoint Gateway does not exist' };
  return judged(k8s, namespace, gateway);
}

/**
 * Why no waypoint pod runs, when the scheduler says so: a pod of the waypoint Pending because no
 * node can take it (not enough CPU, taints, a cordoned node). One list of the waypoint's pods.
 */
async function unschedulable(k8s: KubeClients, namespace: string): Promise<GatewayReadiness | undefined> {
  const name = waypointGatewayName(namespace);
  const pods = await k8s.core.listNamespacedPod({ namespace, labelSelector: `${GATEWAY_NAME_LABEL}=${name}` });
  for (const pod of pods.items) {
    const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (pod.status?.phase === 'Pending' && scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
      return { ready: false, refused: false, reason: 'WaypointUnschedulable', message: `Waypoint pod ${pod.metadata?.name} cannot be scheduled: ${scheduled.message ?? 'no node fits it'}` };
    }
  }
  return undefined;
}

/**
 * One look at the waypoint: istiod's verdict, whether someone else's Service or Deployment holds
 * its name and, with `explain` (the wait's bound passed), what the scheduler says of its pods.
 * Called when the watcher reports a new verdict, never in a loop. `reported`: the verdict the
 * watcher saw on the Gateway; when it is ready, the Gateway is not read again (one read, not three).
 */
export async function lookAtWaypoint(k8s: KubeClients, namespace: string, explain = false, reported?: WaypointState | null): Promise<GatewayReadiness> {
  if (reported?.ready && !explain) return unlessTaken(k8s, namespace, { ready: true, refused: false, reason: 'Programmed', message: 'istiod reported the waypoint Programmed' });
  const readiness = await readReadiness(k8s, namespace);
  if (!explain || readiness.ready || readiness.refused) return readiness;
  return (await unschedulable(k8s, namespace)) ?? readiness;
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
