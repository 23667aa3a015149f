import { AppsV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { MIGRATION_ANNOTATION } from '../../../model/labels';
import { WAYPOINT_GATEWAY_CLASS } from '../../../model/labels';
import { ensureIstioFootprint, ISTIO_NAMESPACE } from '../../../tools/local/istio-footprint';
import { core, eventReasons } from '../../harness/cluster';
import { captureState, createSidecarNamespace, progressOf, snapshotExists, startMigration } from '../../harness/migration';
import { startProvisioner, TestProvisioner } from '../../harness/provisioner';
import { adminKubeConfig, testStack } from '../../harness/stack';
import { startStoppedComponent, stopComponent } from '../../../tools/stack/stack';
import { recordHistoryWhenAsked } from '../../harness/recorded-history';

// Real stack. Istio's install is absent here on purpose: no ztunnel, istiod stopped, no GatewayClass.
const gatewayClass = { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'gatewayclasses', name: WAYPOINT_GATEWAY_CLASS };
let provisioner: TestProvisioner;

beforeAll(async () => {
  const kc = adminKubeConfig();
  const apps = kc.makeApiClient(AppsV1Api);
  const ignore = () => undefined;
  await apps.deleteNamespacedDaemonSet({ namespace: ISTIO_NAMESPACE, name: 'ztunnel' }).catch(ignore);
  // istiod would make the GatewayClass again at once.
  await stopComponent(testStack().dir, 'istiod');
  await kc.makeApiClient(CustomObjectsApi).deleteClusterCustomObject(gatewayClass).catch(ignore);
  // No kagenti-operator-config and no keycloak-admin-secret in the operator namespace either.
  provisioner = await startProvisioner({ operatorConfig: false, adminSecret: false });
});

afterAll(async () => {
  await provisioner?.stop();
  // istiod makes its GatewayClass again as it starts.
  await startStoppedComponent(testStack().dir, 'istiod');
  await ensureIstioFootprint(adminKubeConfig());
});

test('a failed preflight lists every missing prerequisite at once and changes nothing', async () => {
  const namespace = await createSidecarNamespace(['alpha'], 'pf');
  const before = await captureState(namespace);
  const handle = await startMigration(provisioner.client, provisioner.settings.taskQueue, { namespace, strategy: { kind: 'waves', batchSize: 1, canary: 'omega' } });
  const result = await handle.result();
  expect(result.outcome).toBe('preflight-failed');
  const progress = await progressOf(handle);
  expect(progress.state).toBe('Failed');
  expect(progress.preflight.filter((c) => !c.ok).map((c) => c.name)).toEqual(['ztunnel', 'gateway-class', 'operator-config', 'admin-secret', 'keycloak', 'strategy']);
  expect(progress.preflight.find((c) => c.name === 'namespace')!.ok).toBe(true);
  expect(result.reason).toContain(`ztunnel: DaemonSet ${ISTIO_NAMESPACE}/ztunnel is missing`);
  expect(result.reason).toContain('strategy: canary omega is not one of the agent workloads: alpha');
  expect(progress.compensations).toEqual([]);
  await recordHistoryWhenAsked(handle, 'migration-preflight-failed');
  expect(await eventReasons(namespace)).toEqual(expect.arrayContaining(['MigrationPreflightFailed']));
  // Nothing was changed: no hold on the namespace, no snapshot, the namespace as it was.
  expect(await captureState(namespace)).toEqual(before);
  expect((await core.readNamespace({ name: namespace })).metadata?.annotations?.[MIGRATION_ANNOTATION]).toBeUndefined();
  expect(await snapshotExists(provisioner.settings.operatorNamespace, namespace)).toBe(false);
});

test('a namespace without agent workloads fails the preflight', async () => {
  const namespace = `pf-empty-${Date.now()}`;
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  const handle = await startMigration(provisioner.client, provisioner.settings.taskQueue, { namespace });
  expect((await handle.result()).reason).toContain(`namespace: Namespace ${namespace} has no agent or tool Deployment or StatefulSet to migrate`);
});
