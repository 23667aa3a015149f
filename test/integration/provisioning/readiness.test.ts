import { MERGE_PATCH } from '../../../activities/kubernetes/clients';
import { waypointGatewayName } from '../../../model/names';
import { namespaceWorkflowId } from '../../../model/workflow-ids';
import { getStatusQuery } from '../../../workflows/messages';
import { createAgentDeployment, createNamespace, custom, eventReasons, readGateway } from '../../harness/cluster';
import { eventually } from '../../harness/eventually';
import { scheduledActivityTypes } from '../../harness/history';
import { provisionedSuite } from '../../harness/provisioned-suite';
import { uniqueName } from '../../harness/stack';
import { recordHistoryWhenAsked } from '../../harness/recorded-history';

// Istio cannot run here: a stand-in marks waypoints Programmed (tools/local/istio-stand-in.ts),
// here only in the namespaces this file adds to the set, and only when it sees the Gateway change.
const programmed = new Set<string>();
const provisioner = provisionedSuite({ settings: { waypointReadyTimeoutSeconds: 9, retryIntervalSeconds: 2 } }, (namespace) => programmed.has(namespace));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Lets the stand-in program the namespace's waypoint: allowed, then an annotation touched so it sees the Gateway again. */
async function programWaypoint(namespace: string): Promise<void> {
  programmed.add(namespace);
  await custom.patchNamespacedCustomObject(
    { group: 'gateway.networking.k8s.io', version: 'v1', namespace, plural: 'gateways', name: waypointGatewayName(namespace), body: { metadata: { annotations: { 'test/touched': String(Date.now()) } } } },
    MERGE_PATCH,
  );
}

const activityTypes = (namespace: string) => scheduledActivityTypes(provisioner().client.workflow.getHandle(namespaceWorkflowId(namespace)));

test('a waypoint Programmed after the first short look is waited for within the same pass', async () => {
  const namespace = uniqueName('slow-waypoint');
  await createNamespace(namespace);
  await createAgentDeployment(namespace, 'agent');
  await eventually(() => readGateway(namespace, waypointGatewayName(namespace)), 20_000, 'the Gateway');
  // Past the first look (5 s, a local activity), inside the 9 s bound (the rest in a heartbeating activity).
  await sleep(6_500);
  await programWaypoint(namespace);

  const handle = provisioner().client.workflow.getHandle(namespaceWorkflowId(namespace));
  const status = await eventually(async () => {
    const s = await handle.query(getStatusQuery);
    return s.last?.phase === 'Ready' ? s : undefined;
  }, 30_000, 'phase Ready');
  expect(status.passes).toBe(1);
  expect(status.last?.waypointReady).toBe(true);
  expect(await activityTypes(namespace)).toContain('waitForGatewayProgrammed');
  expect(await eventReasons(namespace)).not.toContain('WaypointNotReady');
  await recordHistoryWhenAsked(handle, 'waypoint-slow');
});

test('a waypoint not Programmed within the bound is reported, retried, and Ready once Istio programs it', async () => {
  const namespace = uniqueName('stuck-waypoint');
  await createNamespace(namespace);
  await createAgentDeployment(namespace, 'agent');
  const handle = provisioner().client.workflow.getHandle(namespaceWorkflowId(namespace));
  const waiting = await eventually(async () => {
    const s = await handle.query(getStatusQuery).catch(() => undefined);
    return s?.last?.phase === 'Waiting' ? s : undefined;
  }, 40_000, 'phase Waiting');
  expect(waiting.last?.waypointReady).toBe(false);
  expect(waiting.last?.waiting.map((w) => w.reason)).toEqual(['WaypointNotReady']);
  await eventually(async () => ((await eventReasons(namespace)).includes('WaypointNotReady') ? true : undefined), 10_000, 'the WaypointNotReady Event');

  await programWaypoint(namespace);
  const ready = await eventually(async () => {
    const s = await handle.query(getStatusQuery);
    return s.last?.phase === 'Ready' ? s : undefined;
  }, 40_000, 'phase Ready after the retry');
  expect(ready.last?.waypointReady).toBe(true);
  expect(await eventReasons(namespace)).toContain('WaypointReady');
  await recordHistoryWhenAsked(handle, 'waypoint-stuck-then-ready');
});
