import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { WorkflowFailedError } from '@temporalio/client';
import { waypointGatewayName } from '../../../model/names';
import { ensureIstioFootprint } from '../../../tools/local/istio-footprint';
import { migrationWorkflowId } from '../../../model/workflow-ids';
import { approveUpdate, rollbackUpdate } from '../../../workflows/migration/messages';
import type { MigrationResult } from '../../../model/migration';
import { core, custom, readGateway } from '../../harness/cluster';
import { eventually } from '../../harness/eventually';
import { awaitingGate, captureState, createSidecarNamespace, expectRestored, progressOf, startMigration, temporalCli } from '../../harness/migration';
import { provisionedSuite } from '../../harness/provisioned-suite';
import { adminKubeConfig } from '../../harness/stack';
import { recordHistoryWhenAsked } from '../../harness/recorded-history';

// Real stack with the real istiod; only Istio's data plane is played (a stand-in ztunnel DaemonSet
// satisfies the preflight). The provisioner runs alongside, as in a cluster.
const provisioner = provisionedSuite();
const GATES = ['preflight', 'snapshot', 'prepare', 'wave-1', 'wave-2', 'cleanup'];

beforeAll(async () => {
  await ensureIstioFootprint(adminKubeConfig());
});

type Trigger = 'update' | 'temporal-cli-signal' | 'cancel';

/** Asks for a rollback the way a person would: an Update, the tctl-style signal through the temporal CLI, or a cancellation. */
async function requestRollback(namespace: string, trigger: Trigger): Promise<MigrationResult | 'cancelled'> {
  const handle = provisioner().client.workflow.getHandle(migrationWorkflowId(namespace));
  if (trigger === 'update') {
    expect(await handle.executeUpdate(rollbackUpdate, { args: [{ reason: 'test rollback', by: 'tester' }] })).toEqual({ accepted: true, reason: 'test rollback' });
  } else if (trigger === 'temporal-cli-signal') {
    await temporalCli(['workflow', 'signal', '--workflow-id', migrationWorkflowId(namespace), '--name', 'rollback', '--input', JSON.stringify({ reason: 'test rollback' })]);
  } else {
    await handle.cancel();
  }
  try {
    return await handle.result();
  } catch (error) {
    if (error instanceof WorkflowFailedError && error.cause?.name === 'CancelledFailure') return 'cancelled';
    throw error;
  }
}

const TRIGGERS: Trigger[] = ['update', 'temporal-cli-signal', 'cancel'];

test.each(GATES.map((gate, i) => [gate, TRIGGERS[i % TRIGGERS.length]] as const))(
  'rollback at the %s gate (through %s) returns the namespace exactly to its snapshot',
  async (gate, trigger) => {
    const namespace = await createSidecarNamespace(['alpha', 'beta'], 'rb');
    const before = await captureState(namespace);
    const handle = await startMigration(provisioner().client, provisioner().settings.taskQueue, { namespace, strategy: { kind: 'waves', batchSize: 1 } });
    for (const earlier of GATES.slice(0, GATES.indexOf(gate))) {
      await awaitingGate(handle, earlier);
      await handle.executeUpdate(approveUpdate, { args: [{ gate: earlier }] });
    }
    await awaitingGate(handle, gate);
    const result = await requestRollback(namespace, trigger);
    expect(result).toEqual(trigger === 'cancel' ? 'cancelled' : { outcome: 'rolled-back', reason: 'test rollback' + (trigger === 'update' ? ' (by tester)' : '') });
    const progress = await progressOf(handle);
    expect(progress.state).toBe('RolledBack');
    // Nothing has changed before the snapshot gate, so there is nothing to undo.
    expect(progress.compensations.length > 0).toBe(gate !== 'preflight');
    expect(progress.compensations.every((c) => c.state === 'done')).toBe(true);
    await expectRestored(namespace, before, provisioner().settings.operatorNamespace);
    await recordHistoryWhenAsked(handle, `migration-rolled-back-at-${gate}-through-${trigger}`);
  },
);

test('rollback in the middle of a wave, while its rollout cannot finish, restores the snapshot', async () => {
  const namespace = await createSidecarNamespace(['alpha', 'beta'], 'rb');
  // Room for the two pods running and the waypoint's, no more: the new pods of the switched canary cannot be created.
  await core.createNamespacedResourceQuota({ namespace, body: { metadata: { name: 'pods' }, spec: { hard: { pods: '3' } } } });
  const before = await captureState(namespace);
  const handle = await startMigration(provisioner().client, provisioner().settings.taskQueue, { namespace, strategy: { kind: 'waves', batchSize: 1 }, requireApproval: false });
  await eventually(async () => ((await progressOf(handle)).workloads[0]?.state === 'rolling-out' ? true : undefined), 60_000, 'the canary to be rolling out');
  expect(await requestRollback(namespace, 'update')).toEqual({ outcome: 'rolled-back', reason: 'test rollback (by tester)' });
  await expectRestored(namespace, before, provisioner().settings.operatorNamespace);
  await recordHistoryWhenAsked(handle, 'migration-rollback-mid-wave');
});

test('a rollout that does not finish in time rolls the migration back by itself, saying why', async () => {
  const namespace = await createSidecarNamespace(['alpha', 'beta'], 'rb');
  await core.createNamespacedResourceQuota({ namespace, body: { metadata: { name: 'pods' }, spec: { hard: { pods: '3' } } } });
  const before = await captureState(namespace);
  const handle = await startMigration(provisioner().client, provisioner().settings.taskQueue, {
    namespace,
    strategy: { kind: 'waves', batchSize: 1 },
    requireApproval: false,
    rolloutTimeoutSeconds: 3,
  });
  const result = await handle.result();
  expect(result.outcome).toBe('rolled-back');
  expect(result.reason).toMatch(/^wave 1 did not roll out within 3 s: Deployment alpha: /);
  await expectRestored(namespace, before, provisioner().settings.operatorNamespace);
  await recordHistoryWhenAsked(handle, 'migration-rollout-timeout-rolled-back');
});

test('a waypoint Gateway that existed before the migration is kept by its rollback', async () => {
  const namespace = await createSidecarNamespace(['alpha'], 'rb');
  await custom.createNamespacedCustomObject({
      group: 'gateway.networking.k8s.io',
      version: 'v1',
      namespace,
      plural: 'gateways',
      body: {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'Gateway',
        metadata: { name: waypointGatewayName(namespace), labels: { 'istio.io/waypoint-for': 'all' } },
        spec: { gatewayClassName: 'istio-waypoint', listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }] },
      },
    });
  const before = await captureState(namespace);
  const handle = await startMigration(provisioner().client, provisioner().settings.taskQueue, { namespace });
  for (const gate of ['preflight', 'snapshot']) {
    await awaitingGate(handle, gate);
    await handle.executeUpdate(approveUpdate, { args: [{ gate }] });
  }
  await awaitingGate(handle, 'prepare');
  expect((await progressOf(handle)).snapshot?.gatewayExisted).toBe(true);
  expect(await requestRollback(namespace, 'update')).toEqual({ outcome: 'rolled-back', reason: 'test rollback (by tester)' });
  expect(await captureState(namespace)).toEqual(before);
  expect(await readGateway(namespace, waypointGatewayName(namespace))).toBeDefined();
});

test('a compensation that keeps failing is reported with its error and retried until it succeeds', async () => {
  const namespace = await createSidecarNamespace(['alpha'], 'rb');
  const before = await captureState(namespace);
  const handle = await startMigration(provisioner().client, provisioner().settings.taskQueue, { namespace });
  for (const gate of ['preflight', 'snapshot', 'prepare']) {
    await awaitingGate(handle, gate);
    await handle.executeUpdate(approveUpdate, { args: [{ gate }] });
  }
  await awaitingGate(handle, 'wave-1');
  // A rotated client secret that Keycloak does not know: removing the client cannot succeed.
  const { operatorNamespace } = provisioner().settings;
  const secret = await core.readNamespacedSecret({ namespace: operatorNamespace, name: 'keycloak-admin-secret' });
  await core.patchNamespacedSecret(
    { namespace: operatorNamespace, name: 'keycloak-admin-secret', body: { stringData: { KEYCLOAK_CLIENT_SECRET: 'not-the-secret' } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  try {
    await handle.executeUpdate(rollbackUpdate, { args: [{ reason: 'test rollback' }] });
    const stuck = await eventually(
      async () => {
        const progress = await progressOf(handle);
        return progress.compensations.find((c) => c.state === 'retrying');
      },
      60_000,
      'a compensation to be reported as retrying',
    );
    expect(stuck.step).toBe('Remove the Keycloak client and credentials Secret of Deployment alpha');
    expect(stuck.lastError).toMatch(/401|Unauthorized|invalid/i);
    expect((await progressOf(handle)).state).toBe('RollingBack');
  } finally {
    await core.replaceNamespacedSecret({ namespace: operatorNamespace, name: 'keycloak-admin-secret', body: { ...secret, metadata: { ...secret.metadata, resourceVersion: undefined } } });
  }
  expect(await handle.result()).toEqual({ outcome: 'rolled-back', reason: 'test rollback' });
  const progress = await progressOf(handle);
  expect(progress.compensations.every((c) => c.state === 'done')).toBe(true);
  expect(progress.compensations.find((c) => c.step.startsWith('Remove the Keycloak client'))!.attempts).toBeGreaterThan(1);
  await recordHistoryWhenAsked(handle, 'migration-compensation-retried-until-it-succeeds');
  await expectRestored(namespace, before, provisioner().settings.operatorNamespace);
}, 120_000);
