import { CoreV1Api, KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import pino from 'pino';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentialsSecretName } from '../../../model/names';
import { ensureIstioFootprint } from '../../../tools/local/istio-footprint';
import { startLeaderElection } from '../../../watcher/leader-election';
import { namespaceWorkflowId } from '../../../model/workflow-ids';
import { approveUpdate, rollbackUpdate } from '../../../workflows/migration/messages';
import { apps, core, createAgentDeployment, createNamespace, eventReasons, readGateway, readSecretOrUndefined } from '../../harness/cluster';
import { eventually } from '../../harness/eventually';
import { awaitingGate, captureState, createSidecarNamespace, startMigration } from '../../harness/migration';
import { startProvisioner, TestProvisioner } from '../../harness/provisioner';
import { serviceAccountKubeconfig, shippedRbac, shippedRbacObjects } from '../../harness/rbac';
import { adminKubeConfig, keycloakAdmin, uniqueName } from '../../harness/stack';

let provisioner: TestProvisioner;
let scratch: string;
let workerKubeconfig: string;
let watcherKubeconfig: string;
const operatorNamespace = uniqueName('op-rbac');

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'kwp-rbac-'));
  await createNamespace(operatorNamespace);
  const objects = KubernetesObjectApi.makeApiClient(adminKubeConfig());
  for (const object of shippedRbac(operatorNamespace, operatorNamespace)) await objects.create(object);
  workerKubeconfig = await serviceAccountKubeconfig(scratch, operatorNamespace, 'kagenti-waypoint-worker');
  watcherKubeconfig = await serviceAccountKubeconfig(scratch, operatorNamespace, 'kagenti-waypoint-watcher');
  provisioner = await startProvisioner({ operatorNamespace, watcherKubeconfig, settings: { kubeconfig: workerKubeconfig } });
});
afterAll(async () => {
  await provisioner?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

test('the shipped RBAC has no wildcard anywhere', () => {
  for (const object of shippedRbacObjects()) {
    for (const rule of object.rules ?? []) {
      for (const value of [...(rule.apiGroups ?? []), ...(rule.resources ?? []), ...(rule.verbs ?? [])]) expect(value).not.toContain('*');
    }
  }
});

test('provisioning, repair and removal work end to end as the shipped ServiceAccounts', async () => {
  const namespace = uniqueName('rbac');
  await createNamespace(namespace);
  await createAgentDeployment(namespace, 'agent');
  await createAgentDeployment(namespace, 'second');
  const secretName = credentialsSecretName(namespace, 'agent');
  const secret = await eventually(() => readSecretOrUndefined(namespace, secretName), 30_000, 'the credentials Secret');
  await eventually(async () => {
    const d = await apps.readNamespacedDeployment({ namespace, name: 'agent' });
    return d.spec?.template?.metadata?.annotations?.['kagenti.io/keycloak-client-credentials-secret-name'] === secretName ? true : undefined;
  }, 30_000, 'the annotation');
  expect(await readGateway(namespace, `${namespace}-waypoint`)).toBeDefined();
  expect((await core.readNamespace({ name: namespace })).metadata?.labels?.['istio.io/dataplane-mode']).toBe('ambient');
  await eventually(async () => ((await core.readNamespace({ name: namespace })).metadata?.annotations?.['kagenti.io/waypoint-provisioning-status'] ? true : undefined), 10_000, 'the status annotation');
  expect(await eventReasons(namespace)).toEqual(expect.arrayContaining(['WaypointCreated', 'CredentialsSecretCreated']));

  // Drift seen by the watcher's rights, repaired with the worker's.
  await core.deleteNamespacedSecret({ namespace, name: secretName });
  await eventually(async () => {
    const s = await readSecretOrUndefined(namespace, secretName);
    return s && s.metadata?.uid !== secret.metadata?.uid ? true : undefined;
  }, 20_000, 'the Secret recreated');

  // A workload removed, then the namespace.
  await apps.deleteNamespacedDeployment({ namespace, name: 'second' });
  const admin = await keycloakAdmin();
  await eventually(async () => ((await admin.clients.find({ clientId: `${namespace}/second` })).length === 0 ? true : undefined), 20_000, 'the client removed');
  await core.deleteNamespace({ name: namespace });
  expect(await provisioner.client.workflow.getHandle(namespaceWorkflowId(namespace)).result()).toBe('deleted');
  expect(await admin.clients.find({ clientId: `${namespace}/agent` })).toEqual([]);
});

test('the watcher ServiceAccount can hold the leader Lease in the operator namespace, and write nothing else', async () => {
  const kc = new KubeConfig();
  kc.loadFromFile(watcherKubeconfig);
  let led = false;
  const election = startLeaderElection(
    kc,
    { namespace: operatorNamespace, name: 'kagenti-waypoint-watcher', identity: 'rbac-test', leaseDurationSeconds: 5, renewIntervalSeconds: 0.5 },
    { onStartedLeading: () => (led = true), onStoppedLeading: () => undefined },
    pino({ level: 'silent' }),
  );
  try {
    await eventually(async () => (led ? true : undefined), 10_000, 'leadership');
  } finally {
    await election.stop();
  }
  const asWatcher = kc.makeApiClient(CoreV1Api);
  await expect(asWatcher.createNamespacedSecret({ namespace: operatorNamespace, body: { metadata: { name: 'nope' } } })).rejects.toMatchObject({ code: 403 });
  await expect(asWatcher.patchNamespace({ name: operatorNamespace, body: { metadata: { labels: { x: 'y' } } } })).rejects.toMatchObject({ code: 403 });
});

test('a migration, and its rollback from the last gate, work as the shipped worker ServiceAccount', async () => {
  await ensureIstioFootprint(adminKubeConfig());
  const completed = await createSidecarNamespace(['agent'], 'rbac-mig');
  const done = await startMigration(provisioner.client, provisioner.settings.taskQueue, { namespace: completed, requireApproval: false });
  expect(await done.result()).toEqual({ outcome: 'completed' });

  const rolledBack = await createSidecarNamespace(['agent'], 'rbac-mig');
  const before = await captureState(rolledBack);
  const handle = await startMigration(provisioner.client, provisioner.settings.taskQueue, { namespace: rolledBack });
  for (const gate of ['preflight', 'snapshot', 'prepare', 'wave-1']) {
    await awaitingGate(handle, gate);
    await handle.executeUpdate(approveUpdate, { args: [{ gate }] });
  }
  await awaitingGate(handle, 'cleanup');
  await handle.executeUpdate(rollbackUpdate, { args: [{ reason: 'rbac test' }] });
  expect(await handle.result()).toEqual({ outcome: 'rolled-back', reason: 'rbac test' });
  expect(await captureState(rolledBack)).toEqual(before);
});
