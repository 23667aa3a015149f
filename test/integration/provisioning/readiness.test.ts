import { MockActivityEnvironment } from '@temporalio/testing';
import { kubeClients } from '../../../activities/kubernetes/clients';
import { waitForGatewayProgrammed } from '../../../activities/kubernetes/gateways';
import { GATEWAY_FIELD_MANAGER, GATEWAY_NAME_LABEL, ISTIO_MANAGED_LABEL } from '../../../model/labels';
import { credentialsSecretName, waypointGatewayName } from '../../../model/names';
import { namespaceWorkflowId } from '../../../model/workflow-ids';
import { MERGE_PATCH } from '../../../activities/kubernetes/clients';
import { KWOK_NODE } from '../../../tools/stack/kube-bootstrap';
import { startStoppedComponent, stopComponent } from '../../../tools/stack/stack';
import { getStatusQuery, type NamespaceStatus } from '../../../workflows/messages';
import { apps, core, createAgentDeployment, createNamespace, custom, eventReasons, provisionerEvents, readGateway, readSecretOrUndefined } from '../../harness/cluster';
import { eventually } from '../../harness/eventually';
import { localActivityTypes, scheduledActivityTypes } from '../../harness/history';
import { provisionedSuite } from '../../harness/provisioned-suite';
import { recordHistoryWhenAsked } from '../../harness/recorded-history';
import { testStack, uniqueName } from '../../harness/stack';

// Readiness as the stack's real istiod decides it. Istio's data plane is not here: kwok runs the
// waypoint pods istiod asks for, and they do nothing. A retry interval of 5 minutes means that only
// the watcher (istiod's verdict changing) can bring a waiting namespace back within a test.
// The bound leaves room for istiod's restart after the 6.5 s it is stopped for: on a stack holding a
// few hundred waypoints it programs a new one 9–12 s after it starts.
const provisioner = provisionedSuite({ settings: { waypointReadyTimeoutSeconds: 30, retryIntervalSeconds: 300 } });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const GATEWAYS = { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'gateways' };

const handleOf = (namespace: string) => provisioner().client.workflow.getHandle(namespaceWorkflowId(namespace));
const activityTypes = (namespace: string) => scheduledActivityTypes(handleOf(namespace));

/** The namespace's status once its last pass ended in `phase`. */
function phase(namespace: string, wanted: 'Ready' | 'Waiting', timeoutMs: number): Promise<NamespaceStatus> {
  return eventually(async () => {
    const status = await handleOf(namespace).query(getStatusQuery).catch(() => undefined);
    return status?.last?.phase === wanted ? status : undefined;
  }, timeoutMs, `phase ${wanted} in ${namespace}`);
}

/** Runs `during` with istiod stopped, and starts it again whatever happens. */
async function withIstiodStopped<T>(during: () => Promise<T>): Promise<T> {
  await stopComponent(testStack().dir, 'istiod');
  try {
    return await during();
  } finally {
    await startStoppedComponent(testStack().dir, 'istiod');
  }
}

test('a waypoint is reported ready only once istiod has programmed it and made its Deployment and Service', async () => {
  const namespace = uniqueName('istio-ready');
  const name = waypointGatewayName(namespace);
  await createNamespace(namespace);
  await createAgentDeployment(namespace, 'agent');
  const status = await phase(namespace, 'Ready', 30_000);
  expect(status.last?.waypointReady).toBe(true);

  // istiod's own status: Programmed for this generation, the mesh listener accepted.
  const gateway = (await readGateway(namespace, name))!;
  const programmed = gateway.status.conditions.find((c: { type: string }) => c.type === 'Programmed');
  expect(programmed).toMatchObject({ status: 'True', reason: 'Programmed', observedGeneration: gateway.metadata.generation });
  expect(programmed.message).toContain(`assigned to service(s) ${name}.${namespace}.svc.cluster.local:15008`);
  const mesh = gateway.status.listeners.find((l: { name: string }) => l.name === 'mesh');
  expect(mesh.conditions).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'Accepted', status: 'True' })]));
  expect(gateway.metadata.managedFields.map((f: { manager: string }) => f.manager)).toContain(GATEWAY_FIELD_MANAGER);
  // What istiod made for it, marked as its own, and the pod kwok runs for it.
  const [deployment, service] = await Promise.all([apps.readNamespacedDeployment({ namespace, name }), core.readNamespacedService({ namespace, name })]);
  expect(deployment.metadata?.labels?.[ISTIO_MANAGED_LABEL]).toBe('istio.io-mesh-controller');
  expect(service.metadata?.labels?.[ISTIO_MANAGED_LABEL]).toBe('istio.io-mesh-controller');
  expect(service.spec?.ports?.map((p) => p.port)).toContain(15008);
  await core.readNamespacedServiceAccount({ namespace, name });
  await eventually(async () => ((await apps.readNamespacedDeployment({ namespace, name })).status?.readyReplicas === 1 ? true : undefined), 30_000, 'the waypoint pod');

  // The WaypointReady Event came after istiod's Programmed transition, not before it.
  const readyEvent = (await provisionerEvents(namespace)).find((e) => e.reason === 'WaypointReady')!;
  const eventTime = new Date(readyEvent.firstTimestamp ?? readyEvent.eventTime ?? 0).getTime();
  expect(eventTime).toBeGreaterThanOrEqual(Math.floor(new Date(programmed.lastTransitionTime).getTime() / 1000) * 1000);
});

test('with istiod stopped for a while, the waypoint is waited for without polling and Ready within the same pass once istiod is back', async () => {
  const namespace = uniqueName('slow-istiod');
  await withIstiodStopped(async () => {
    await createNamespace(namespace);
    await createAgentDeployment(namespace, 'agent');
    await eventually(() => readGateway(namespace, waypointGatewayName(namespace)), 20_000, 'the Gateway');
    // Past the 5 s after which the wait is shown, inside the 30 s bound.
    await sleep(6_500);
    expect((await readGateway(namespace, waypointGatewayName(namespace)))!.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Programmed' && c.status === 'True')).toBeFalsy();
    // Credentials do not wait for the waypoint: the Secret is made while istiod is away.
    expect(await readSecretOrUndefined(namespace, credentialsSecretName(namespace, 'agent'))).toBeDefined();
  });
  const status = await phase(namespace, 'Ready', 30_000);
  expect(status.passes).toBe(1);
  // The Gateway was looked at only when the watcher reported istiod's verdict, not every second of the wait.
  const looks = (await localActivityTypes(handleOf(namespace))).filter((type) => type === 'lookAtWaypoint');
  expect(looks.length).toBeGreaterThanOrEqual(1);
  expect(looks.length).toBeLessThanOrEqual(3);
  expect(await activityTypes(namespace)).not.toContain('waitForGatewayProgrammed');
  expect(await eventReasons(namespace)).not.toContain('WaypointNotReady');
  await recordHistoryWhenAsked(handleOf(namespace), 'waypoint-slow');
});

test('with istiod gone, the waypoint wait is reported, and Ready within seconds of istiod returning (woken by its verdict)', async () => {
  const namespace = uniqueName('no-istiod');
  let istiodBack = 0;
  await withIstiodStopped(async () => {
    await createNamespace(namespace);
    await createAgentDeployment(namespace, 'agent');
    const waiting = await phase(namespace, 'Waiting', 60_000);
    expect(waiting.last?.waypointReady).toBe(false);
    // No istiod: the Gateway keeps the CRD's default status, Programmed=Unknown (Pending).
    expect(waiting.last?.waiting).toEqual([expect.objectContaining({ reason: 'WaypointNotReady', message: expect.stringContaining('Pending') })]);
    await eventually(async () => ((await eventReasons(namespace)).includes('WaypointNotReady') ? true : undefined), 10_000, 'the WaypointNotReady Event');
  }).then(() => (istiodBack = Date.now()));

  const ready = await phase(namespace, 'Ready', 30_000);
  console.log(`waypoint Ready ${((Date.now() - istiodBack) / 1000).toFixed(1)} s after istiod was back (retry interval 300 s)`);
  expect(ready.last?.waypointReady).toBe(true);
  expect(ready.passes).toBe(2);
  expect(await eventReasons(namespace)).toContain('WaypointReady');
  await recordHistoryWhenAsked(handleOf(namespace), 'waypoint-stuck-then-ready');
});

/** Runs `during` with kwok's node cordoned (no new pod can be scheduled), and uncordons it whatever happens. */
async function withNodeCordoned<T>(during: () => Promise<T>): Promise<T> {
  const cordon = (unschedulable: boolean) => core.patchNode({ name: KWOK_NODE, body: { spec: { unschedulable } } }, MERGE_PATCH);
  await cordon(true);
  try {
    return await during();
  } finally {
    await cordon(false);
  }
}

test('a waypoint whose pod cannot be scheduled waits, named by the scheduler, with no looks while it lasts, and heals by itself', async () => {
  // The cluster out of capacity, as an autoscaler that lags leaves it: kwok's node cordoned.
  const namespace = uniqueName('unschedulable');
  await withNodeCordoned(async () => {
    await createNamespace(namespace);
    await createAgentDeployment(namespace, 'agent');
    const waiting = await phase(namespace, 'Waiting', 60_000);
    expect(waiting.last?.waiting).toEqual([
      expect.objectContaining({ reason: 'WaypointUnschedulable', message: expect.stringMatching(new RegExp(`Waypoint pod ${waypointGatewayName(namespace)}-\\S+ cannot be scheduled: .*unschedulable`)) }),
    ]);
    expect(waiting.last?.retryAfterSeconds).toBeUndefined();
    await eventually(async () => ((await eventReasons(namespace)).includes('WaypointUnschedulable') ? true : undefined), 10_000, 'the WaypointUnschedulable Event');
    // While it lasts: no pass and no look at all.
    const looks = (await localActivityTypes(handleOf(namespace))).length;
    await sleep(5_000);
    expect((await handleOf(namespace).query(getStatusQuery)).passes).toBe(1);
    expect((await localActivityTypes(handleOf(namespace))).length).toBe(looks);
  });
  // Capacity is back: the pod runs, istiod programs the waypoint, the watcher says so.
  const ready = await phase(namespace, 'Ready', 30_000);
  expect(ready.last?.waypointReady).toBe(true);
  expect(ready.passes).toBe(2);
});

/** The names of the ReplicaSets of a waypoint's Deployment: a new one means its pods rolled. */
async function waypointReplicaSets(namespace: string): Promise<string[]> {
  const sets = await apps.listNamespacedReplicaSet({ namespace, labelSelector: `${GATEWAY_NAME_LABEL}=${waypointGatewayName(namespace)}` });
  return sets.items.map((r) => r.metadata!.name!).sort();
}

test('taking over a waypoint the reference operator made rolls none of its pods: the mark is in managedFields, which istiod does not copy', async () => {
  const namespace = uniqueName('adopted');
  const name = waypointGatewayName(namespace);
  await createNamespace(namespace);
  // The Gateway as the reference operator writes it (its own field manager, no mark of ours), running.
  await custom.createNamespacedCustomObject({
    ...GATEWAYS,
    namespace,
    fieldManager: 'kagenti-operator',
    body: {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name, namespace, labels: { 'istio.io/waypoint-for': 'all' } },
      spec: { gatewayClassName: 'istio-waypoint', listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }] },
    },
  });
  const before = await eventually(async () => {
    const sets = await waypointReplicaSets(namespace);
    return sets.length === 1 ? sets : undefined;
  }, 30_000, 'the waypoint Deployment istiod runs for the reference-made Gateway');
  const templateBefore = (await apps.readNamespacedDeployment({ namespace, name })).spec?.template?.metadata;

  await createAgentDeployment(namespace, 'agent');
  const ready = await phase(namespace, 'Ready', 30_000);
  expect(ready.last?.waypointReady).toBe(true);
  expect(await eventReasons(namespace)).toContain('WaypointAdopted');
  const gateway = (await readGateway(namespace, name))!;
  expect(gateway.metadata.managedFields.map((f: { manager: string }) => f.manager)).toEqual(expect.arrayContaining(['kagenti-operator', GATEWAY_FIELD_MANAGER]));
  // Give istiod time to act on the adoption's write, then count: still the one ReplicaSet, the same pod template.
  await sleep(3_000);
  expect(await waypointReplicaSets(namespace)).toEqual(before);
  expect((await apps.readNamespacedDeployment({ namespace, name })).spec?.template?.metadata).toEqual(templateBefore);
});

test('a listener istiod refuses is a refusal with istiod’s reason, found at once, not readiness', async () => {
  // A Gateway no provisioner manages (no agent here), with a listener istiod keeps Programmed but refuses.
  const namespace = uniqueName('refused-listener');
  await createNamespace(namespace);
  await custom.createNamespacedCustomObject({
    ...GATEWAYS,
    namespace,
    body: {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: waypointGatewayName(namespace), namespace, labels: { 'istio.io/waypoint-for': 'all' } },
      spec: { gatewayClassName: 'istio-waypoint', listeners: [{ name: 'mesh', port: 15008, protocol: 'HTTP' }] },
    },
  });
  const k8s = kubeClients(testStack().kubernetes.kubeconfig);
  const started = Date.now();
  const readiness = await new MockActivityEnvironment().run(waitForGatewayProgrammed, k8s, namespace, 30);
  expect(readiness).toEqual({ ready: false, refused: true, reason: 'UnsupportedProtocol', message: expect.stringContaining('istiod refused listener mesh') });
  // Answered once istiod had written its verdict, not at the end of the 30 s bound.
  expect(Date.now() - started).toBeLessThan(15_000);
  const gateway = (await readGateway(namespace, waypointGatewayName(namespace)))!;
  expect(gateway.status.conditions.find((c: { type: string }) => c.type === 'Programmed').status).toBe('True');
});

test('a Gateway of that name that is someone else’s is reported and left alone; once it is gone the waypoint is made', async () => {
  const namespace = uniqueName('gw-taken');
  const name = waypointGatewayName(namespace);
  await createNamespace(namespace);
  const theirs = { gatewayClassName: 'istio', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] };
  await custom.createNamespacedCustomObject({ ...GATEWAYS, namespace, body: { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name, namespace }, spec: theirs } });
  await createAgentDeployment(namespace, 'agent');

  const waiting = await phase(namespace, 'Waiting', 30_000);
  expect(waiting.last?.waiting).toEqual([expect.objectContaining({ reason: 'WaypointNameTaken', message: expect.stringContaining('class istio') })]);
  await eventually(async () => ((await eventReasons(namespace)).includes('WaypointNameTaken') ? true : undefined), 10_000, 'the WaypointNameTaken Event');
  // Not looped on: no further pass while nothing changes, and their Gateway is as they made it.
  await sleep(5_000);
  expect((await handleOf(namespace).query(getStatusQuery)).passes).toBe(1);
  const untouched = (await readGateway(namespace, name))!;
  expect(untouched.spec).toMatchObject(theirs);
  expect(untouched.metadata.managedFields.map((f: { manager: string }) => f.manager)).not.toContain(GATEWAY_FIELD_MANAGER);

  await custom.deleteNamespacedCustomObject({ ...GATEWAYS, namespace, name });
  const ready = await phase(namespace, 'Ready', 40_000);
  expect(ready.last?.waypointReady).toBe(true);
  expect((await readGateway(namespace, name))!.spec.gatewayClassName).toBe('istio-waypoint');
});

test('a Service of the waypoint’s name that is someone else’s is reported at once, and not looped on', async () => {
  const namespace = uniqueName('svc-taken');
  const name = waypointGatewayName(namespace);
  await createNamespace(namespace);
  await core.createNamespacedService({ namespace, body: { metadata: { name }, spec: { ports: [{ port: 80 }], selector: { app: 'theirs' } } } });
  await createAgentDeployment(namespace, 'agent');

  const started = Date.now();
  const waiting = await phase(namespace, 'Waiting', 30_000);
  expect(Date.now() - started).toBeLessThan(20_000); // before the 30 s bound ran out: istiod's answer is final
  expect(waiting.last?.waiting).toEqual([expect.objectContaining({ reason: 'WaypointNameTaken', message: expect.stringContaining(`Service ${namespace}/${name}`) })]);
  await eventually(async () => ((await eventReasons(namespace)).includes('WaypointNameTaken') ? true : undefined), 10_000, 'the WaypointNameTaken Event');
  await sleep(5_000);
  expect((await handleOf(namespace).query(getStatusQuery)).passes).toBe(1);
  // istiod left their Service alone too.
  expect((await core.readNamespacedService({ namespace, name })).spec?.selector).toEqual({ app: 'theirs' });
});
