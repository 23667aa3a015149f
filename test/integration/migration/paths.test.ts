import { MERGE_PATCH } from '../../../activities/kubernetes/clients';
import { MIGRATION_ANNOTATION } from '../../../model/labels';
import { credentialsSecretName, OPERATOR_CONFIG } from '../../../model/names';
import { migrationWorkflowId, namespaceWorkflowId } from '../../../model/workflow-ids';
import { ensureIstioFootprint } from '../../../tools/local/istio-footprint';
import { startStoppedComponent, stopComponent } from '../../../tools/stack/stack';
import { getStatusQuery } from '../../../workflows/messages';
import { approveUpdate } from '../../../workflows/migration/messages';
import { apps, core, eventReasons, readSecretOrUndefined } from '../../harness/cluster';
import { eventually } from '../../harness/eventually';
import {
  awaitingGate,
  captureState,
  createSidecarNamespace,
  expectRestored,
  podsOf,
  progressOf,
  projectCli,
  SIDECAR_MODE_LABELS,
  snapshotExists,
  startMigration,
  temporalCli,
} from '../../harness/migration';
import { provisionedSuite } from '../../harness/provisioned-suite';
import { recordHistoryWhenAsked } from '../../harness/recorded-history';
import { adminKubeConfig, testStack } from '../../harness/stack';

// The migration paths docs/migration.md describes, each on the real stack with the real istiod
// (Istio's data plane is played: a stand-in ztunnel DaemonSet satisfies the preflight; the legacy
// sidecars come from the stack's injector webhook). The provisioner runs alongside, as in a cluster.
const provisioner = provisionedSuite({ settings: { spireTrustDomain: 'example.org' } });
const operatorNamespace = () => provisioner().settings.operatorNamespace;
const containers = (pod: { spec?: { containers: { name: string }[] } }) => pod.spec!.containers.map((c) => c.name).sort();

beforeAll(async () => {
  await ensureIstioFootprint(adminKubeConfig());
});

/** A sidecar-mode StatefulSet, as Kagenti's legacy mode runs one. */
async function createSidecarStatefulSet(namespace: string, name: string, serviceAccountName = name): Promise<void> {
  if (serviceAccountName !== 'default') await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: serviceAccountName } } });
  await apps.createNamespacedStatefulSet({
    namespace,
    body: {
      metadata: { name },
      spec: {
        serviceName: name,
        replicas: 1,
        selector: { matchLabels: { app: name } },
        template: { metadata: { labels: { app: name, ...SIDECAR_MODE_LABELS } }, spec: { serviceAccountName, containers: [{ name: 'agent', image: 'example/agent:1' }] } },
      },
    },
  });
  await eventually(async () => ((await podsOf(namespace, name)).some((p) => containers(p).includes('envoy-proxy')) ? true : undefined), 60_000, `the sidecar-mode pod of ${name}`);
}

test('all-at-once migrates a Deployment and a StatefulSet in one wave', async () => {
  const namespace = await createSidecarNamespace(['alpha'], 'aao');
  await createSidecarStatefulSet(namespace, 'keeper');
  const handle = await startMigration(provisioner().client, provisioner().settings.taskQueue, { namespace, strategy: { kind: 'all-at-once' }, requireApproval: false });
  expect(await handle.result()).toEqual({ outcome: 'completed' });
  const progress = await progressOf(handle);
  expect(progress.workloads.map((w) => [w.kind, w.name, w.wave, w.state])).toEqual([
    ['Deployment', 'alpha', 1, 'migrated'],
    ['StatefulSet', 'keeper', 1, 'migrated'],
  ]);
  for (const app of ['alpha', 'keeper']) {
    await eventually(async () => {
      const pods = await podsOf(namespace, app);
      return pods.length === 1 && containers(pods[0]).join() === 'agent' ? true : undefined;
    }, 60_000, `${app} to run without sidecars`);
    expect(await readSecretOrUndefined(namespace, credentialsSecretName(namespace, app))).toBeDefined();
  }
  await recordHistoryWhenAsked(handle, 'migration-all-at-once-with-statefulset');
  const keeper = await apps.readNamespacedStatefulSet({ namespace, name: 'keeper' });
  expect(keeper.spec?.template?.metadata?.labels?.['kagenti.io/auth-mode']).toBe('waypoint');
  expect(keeper.spec?.template?.metadata?.annotations?.['kagenti.io/keycloak-client-credentials-secret-name']).toBe(credentialsSecretName(namespace, 'keeper'));
});

test('the provisioner reports SidecarMode, then MigrationInProgress while a migration holds the namespace; a rollback through the project CLI restores it', async () => {
  const namespace = await createSidecarNamespace(['alpha'], 'cli-rb');
  const before = await captureState(namespace);
  const namespaceWorkflow = provisioner().client.workflow.getHandle(namespaceWorkflowId(namespace));
  await eventually(async () => ((await eventReasons(namespace)).includes('SidecarMode') ? true : undefined), 30_000, 'the SidecarMode Event');
  expect((await namespaceWorkflow.query(getStatusQuery)).last?.phase).toBe('Standby');
  // Standing aside, it writes nothing: not even its status annotation.
  expect(Object.keys((await core.readNamespace({ name: namespace })).metadata?.annotations ?? {})).toEqual(['example.com/contact']);

  const handle = await startMigration(provisioner().client, provisioner().settings.taskQueue, { namespace });
  for (const gate of ['preflight', 'snapshot']) {
    await awaitingGate(handle, gate);
    await handle.executeUpdate(approveUpdate, { args: [{ gate }] });
  }
  await awaitingGate(handle, 'prepare');
  expect((await core.readNamespace({ name: namespace })).metadata?.annotations?.[MIGRATION_ANNOTATION]).toBe(migrationWorkflowId(namespace));
  await eventually(async () => ((await eventReasons(namespace)).includes('MigrationInProgress') ? true : undefined), 30_000, 'the MigrationInProgress Event');

  const rolledBack = await projectCli(provisioner().settings.taskQueue, ['rollback', namespace, '--reason', 'latency up', '--by', 'ana']);
  expect(rolledBack.stderr).toBe('');
  expect(rolledBack.stdout).toContain(`Rolling back the migration of ${namespace}`);
  expect(await handle.result()).toEqual({ outcome: 'rolled-back', reason: 'latency up (by ana)' });
  await expectRestored(namespace, before, operatorNamespace());
});

test('a waypoint istiod never programs rolls the migration back by itself, saying why', async () => {
  const namespace = await createSidecarNamespace(['alpha'], 'no-istiod');
  const before = await captureState(namespace);
  const handle = await startMigration(provisioner().client, provisioner().settings.taskQueue, { namespace, requireApproval: false, waypointReadyTimeoutSeconds: 5 });
  await stopComponent(testStack().dir, 'istiod');
  let result;
  try {
    result = await handle.result();
  } finally {
    await startStoppedComponent(testStack().dir, 'istiod');
  }
  expect(result).toEqual({ outcome: 'rolled-back', reason: expect.stringMatching(/^the waypoint Gateway was not Programmed within 5 s: Pending/) });
  await expectRestored(namespace, before, operatorNamespace());
  await recordHistoryWhenAsked(handle, 'migration-waypoint-never-programmed-rolled-back');
});

test('a failed validation rolls the migration back by itself, saying why', async () => {
  const namespace = await createSidecarNamespace([], 'bad-valid');
  // Its own template carries a container with a legacy sidecar's name: switched to waypoint mode, its pod still has it.
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'stubborn' } } });
  await apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name: 'stubborn' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'stubborn' } },
        template: {
          metadata: { labels: { app: 'stubborn', ...SIDECAR_MODE_LABELS } },
          spec: { serviceAccountName: 'stubborn', containers: [{ name: 'agent', image: 'example/agent:1' }, { name: 'envoy-proxy', image: 'example/own-envoy:1' }] },
        },
      },
    },
  });
  await eventually(async () => ((await podsOf(namespace, 'stubborn')).length === 1 ? true : undefined), 60_000, 'the stubborn pod');
  const before = await captureState(namespace);
  const handle = await startMigration(provisioner().client, provisioner().settings.taskQueue, { namespace, requireApproval: false });
  const result = await handle.result();
  expect(result).toEqual({ outcome: 'rolled-back', reason: expect.stringMatching(/^validation of wave 1 failed: Deployment stubborn: pod \S+ still has legacy sidecar\(s\): envoy-proxy/) });
  await expectRestored(namespace, before, operatorNamespace());
  await recordHistoryWhenAsked(handle, 'migration-validation-failed-rolled-back');
});

test('an invalid workload (SPIRE client ids need a dedicated ServiceAccount) rolls the migration back by itself, saying why', async () => {
  const namespace = await createSidecarNamespace([], 'bad-sa');
  await createSidecarStatefulSet(namespace, 'shared', 'default');
  const before = await captureState(namespace);
  const config = { namespace: operatorNamespace(), name: OPERATOR_CONFIG };
  await core.patchNamespacedConfigMap({ ...config, body: { data: { SPIRE_ENABLED: 'true' } } }, MERGE_PATCH);
  try {
    const handle = await startMigration(provisioner().client, provisioner().settings.taskQueue, { namespace, requireApproval: false });
    const result = await handle.result();
    expect(result).toEqual({ outcome: 'rolled-back', reason: expect.stringContaining(`${namespace}/shared: SPIRE_ENABLED is true, so its client id comes from its ServiceAccount, but it runs as 'default'`) });
    await recordHistoryWhenAsked(handle, 'migration-invalid-workload-rolled-back');
  } finally {
    await core.patchNamespacedConfigMap({ ...config, body: { data: { SPIRE_ENABLED: null } } }, MERGE_PATCH);
  }
  expect(await captureState(namespace)).toEqual(before);
  expect(await snapshotExists(operatorNamespace(), namespace)).toBe(false);
});

test('a new migration after a terminated one reuses its snapshot and completes', async () => {
  const namespace = await createSidecarNamespace(['alpha'], 'reuse');
  const first = await startMigration(provisioner().client, provisioner().settings.taskQueue, { namespace });
  for (const gate of ['preflight', 'snapshot']) {
    await awaitingGate(first, gate);
    await first.executeUpdate(approveUpdate, { args: [{ gate }] });
  }
  await awaitingGate(first, 'prepare');
  const takenAt = (await progressOf(first)).snapshot!.takenAt;
  // Terminated, as a person might: no compensation runs, so the hold and the snapshot stay.
  await temporalCli(['workflow', 'terminate', '--workflow-id', migrationWorkflowId(namespace), '--reason', 'operator terminated it']);
  expect((await core.readNamespace({ name: namespace })).metadata?.annotations?.[MIGRATION_ANNOTATION]).toBe(migrationWorkflowId(namespace));
  expect(await snapshotExists(operatorNamespace(), namespace)).toBe(true);

  const second = await startMigration(provisioner().client, provisioner().settings.taskQueue, { namespace, requireApproval: false });
  expect(await second.result()).toEqual({ outcome: 'completed' });
  const progress = await progressOf(second);
  expect(progress.snapshot).toMatchObject({ takenAt, reused: true });
  await recordHistoryWhenAsked(second, 'migration-after-terminated-reusing-snapshot');
  expect(await snapshotExists(operatorNamespace(), namespace)).toBe(false);
  expect((await core.readNamespace({ name: namespace })).metadata?.annotations?.[MIGRATION_ANNOTATION]).toBeUndefined();
});
