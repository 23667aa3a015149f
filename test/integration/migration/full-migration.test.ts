import { credentialsSecretName, waypointGatewayName } from '../../../model/names';
import { MIGRATION_ANNOTATION } from '../../../model/labels';
import { ensureIstioFootprint } from '../../../tools/local/istio-footprint';
import { migrationWorkflowId, namespaceWorkflowId } from '../../../model/workflow-ids';
import { apps, core, eventReasons, readGateway } from '../../harness/cluster';
import { eventually } from '../../harness/eventually';
import { awaitingGate, captureState, createSidecarNamespace, migrationHandle, podsOf, progressOf, projectCli as runProjectCli, snapshotExists, temporalCli } from '../../harness/migration';
import { provisionedSuite } from '../../harness/provisioned-suite';
import { adminKubeConfig, keycloakAdmin } from '../../harness/stack';
import { clientCredentialsToken } from '../../harness/tokens';
import { recordHistoryWhenAsked } from '../../harness/recorded-history';

// Real stack with the real istiod; only Istio's data plane is played: a stand-in ztunnel
// DaemonSet satisfies the preflight. The legacy sidecars come from the stack's
// sidecar-injector admission webhook, as in Kagenti's sidecar mode.
const provisioner = provisionedSuite();
const WORKLOADS = ['alpha', 'beta', 'gamma'];
const LEGACY = ['envoy-proxy', 'spiffe-helper', 'kagenti-client-registration'];

beforeAll(async () => {
  await ensureIstioFootprint(adminKubeConfig());
});

const containersOf = async (namespace: string, app: string) => (await podsOf(namespace, app)).map((p) => p.spec!.containers.map((c) => c.name).sort());

const projectCli = (args: string[]) => runProjectCli(provisioner().settings.taskQueue, args);

/** Field by field, the namespace once migrated and handed back to the provisioner. */
async function expectMigrated(namespace: string, before: Awaited<ReturnType<typeof captureState>>): Promise<void> {
  const ns = await core.readNamespace({ name: namespace });
  expect(ns.metadata!.labels).toEqual({
    ...Object.fromEntries(Object.entries(before.labels).filter(([key]) => key !== 'istio-injection')),
    'istio-discovery': 'enabled',
    'istio.io/dataplane-mode': 'ambient',
    'istio.io/use-waypoint': waypointGatewayName(namespace),
  });
  expect(ns.metadata!.annotations?.[MIGRATION_ANNOTATION]).toBeUndefined();
  expect(ns.metadata!.annotations?.['example.com/contact']).toBe('team-a@example.com');
  expect(await readGateway(namespace, waypointGatewayName(namespace))).toBeDefined();
  const admin = await keycloakAdmin();
  for (const name of WORKLOADS) {
    const deployment = await apps.readNamespacedDeployment({ namespace, name });
    const template = deployment.spec!.template.metadata!;
    const secretName = credentialsSecretName(namespace, name);
    expect(template.labels).toEqual({ app: name, 'kagenti.io/type': 'agent', 'kagenti.io/auth-mode': 'waypoint' });
    expect(template.annotations).toEqual({
      'example.com/owner': 'team-a',
      'kagenti.io/keycloak-client-credentials-secret-name': secretName,
      'kubectl.kubernetes.io/restartedAt': expect.any(String),
    });
    // The real admission chain adds no sidecar to a pod in waypoint mode.
    await eventually(async () => {
      const containers = await containersOf(namespace, name);
      return containers.length === 1 && containers[0].length === 1 && containers[0][0] === 'agent' ? true : undefined;
    }, 60_000, `${name} to run one container`);
    const secret = await core.readNamespacedSecret({ namespace, name: secretName });
    const clientId = Buffer.from(secret.data!['client-id.txt'], 'base64').toString();
    expect(clientId).toBe(`${namespace}/${name}`);
    const token = await clientCredentialsToken(clientId, Buffer.from(secret.data!['client-secret.txt'], 'base64').toString());
    expect(token.status).toBe(200);
    expect(await admin.clients.find({ clientId })).toHaveLength(1);
  }
  const secrets = (await core.listNamespacedSecret({ namespace })).items.map((s) => s.metadata!.name!);
  expect(secrets).not.toContain('agent-client-registration');
  expect(secrets).not.toContain('keycloak-admin-secret');
  expect(secrets).toContain('user-data');
  expect(await snapshotExists(provisioner().settings.operatorNamespace, namespace)).toBe(false);
  expect(await eventReasons(namespace)).toEqual(expect.arrayContaining(['MigrationStarted', 'MigrationWaveCompleted', 'MigrationCompleted']));
  // Handed back: the provisioner takes over and reports the namespace Ready.
  await eventually(
    async () => {
      const status = (await core.readNamespace({ name: namespace })).metadata?.annotations?.['kagenti.io/waypoint-provisioning-status'];
      return status && JSON.parse(status).phase === 'Ready' ? true : undefined;
    },
    60_000,
    'the provisioner to report the namespace Ready',
  );
}

test('a full migration, canary then the rest, approved through the real temporal CLI (updates and a tctl-style signal)', async () => {
  const namespace = await createSidecarNamespace(WORKLOADS);
  for (const name of WORKLOADS) expect(await containersOf(namespace, name)).toEqual([['agent', ...LEGACY].sort()]);
  const before = await captureState(namespace);
  const workflowId = migrationWorkflowId(namespace);

  await temporalCli([
    'workflow', 'start', '--type', 'migrationWorkflow', '--task-queue', provisioner().settings.taskQueue, '--workflow-id', workflowId,
    '--input', JSON.stringify({ namespace, strategy: { kind: 'waves', batchSize: 2 } }),
  ]);
  const handle = migrationHandle(provisioner().client, namespace);
  const gates = ['preflight', 'snapshot', 'prepare', 'wave-1', 'wave-2', 'cleanup'];
  for (const gate of gates) {
    const progress = await awaitingGate(handle, gate);
    expect(progress.gates).toEqual(gates);
    if (gate === 'wave-1') {
      // The canary alone is switched; the other workloads still run their sidecars, untouched.
      expect(progress.workloads.map((w) => [w.name, w.wave, w.state])).toEqual([['alpha', 1, 'migrated'], ['beta', 2, 'pending'], ['gamma', 2, 'pending']]);
      expect(await containersOf(namespace, 'alpha')).toEqual([['agent']]);
      for (const name of ['beta', 'gamma']) {
        expect(await containersOf(namespace, name)).toEqual([['agent', ...LEGACY].sort()]);
        expect((await apps.readNamespacedDeployment({ namespace, name })).spec!.template).toEqual(before.templates[name]);
      }
    }
    if (gate === 'snapshot') {
      await temporalCli(['workflow', 'signal', '--workflow-id', workflowId, '--name', 'approve', '--input', JSON.stringify({ gate, by: 'tctl-user' })]);
    } else {
      const out = await temporalCli(['workflow', 'update', 'execute', '--workflow-id', workflowId, '--name', 'approve', '--input', JSON.stringify({ gate, by: 'cli-user' })]);
      expect(out).toContain(gate);
    }
  }
  expect(await handle.result()).toEqual({ outcome: 'completed' });
  const progress = await progressOf(handle);
  expect(progress.approvals.map((a) => [a.gate, a.via])).toEqual(gates.map((g) => [g, g === 'snapshot' ? 'signal' : 'update']));
  expect(progress.compensations.every((c) => c.state === 'recorded')).toBe(true);
  await recordHistoryWhenAsked(provisioner().client.workflow.getHandle(namespaceWorkflowId(namespace)), 'provisioner-standby-during-migration');
  await recordHistoryWhenAsked(handle, 'migration-completed-approved-through-temporal-cli');
  await expectMigrated(namespace, before);
});

test('a full migration driven by the project CLI: migrate, status, approve, list', async () => {
  const namespace = await createSidecarNamespace(WORKLOADS);
  const before = await captureState(namespace);
  const started = await projectCli(['migrate', namespace, '--batch-size', '2', '--canary', 'beta']);
  expect(started.stderr).toBe('');
  expect(started.stdout).toContain(migrationWorkflowId(namespace));
  const handle = migrationHandle(provisioner().client, namespace);
  for (const gate of ['preflight', 'snapshot', 'prepare', 'wave-1', 'wave-2', 'cleanup']) {
    await awaitingGate(handle, gate);
    const status = await projectCli(['status', namespace]);
    expect(status.stdout).toContain(`awaiting approval of gate '${gate}'`);
    const approved = await projectCli(['approve', namespace, '--by', 'operator']);
    expect(approved.stderr).toBe('');
    expect(approved.stdout).toContain(`Approved gate '${gate}'`);
  }
  expect(await handle.result()).toEqual({ outcome: 'completed' });
  const progress = await progressOf(handle);
  expect(progress.workloads.map((w) => [w.name, w.wave])).toEqual([['beta', 1], ['alpha', 2], ['gamma', 2]]);
  await recordHistoryWhenAsked(handle, 'migration-completed-through-project-cli');
  const listed = await projectCli(['list']);
  expect(listed.stdout).toMatch(new RegExp(`${migrationWorkflowId(namespace)}\\s+COMPLETED\\s+Completed\\s+Done`));
  await expectMigrated(namespace, before);
});
