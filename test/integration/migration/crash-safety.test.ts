import { ensureIstioFootprint } from '../../../tools/local/istio-footprint';
import { approveUpdate, rollbackUpdate } from '../../../workflows/migration/messages';
import type { MigrationProgress } from '../../../model/migration';
import { apps, core } from '../../harness/cluster';
import { eventually } from '../../harness/eventually';
import { awaitingGate, captureState, createSidecarNamespace, progressOf, startMigration } from '../../harness/migration';
import { adminKubeConfig, keycloakAdmin } from '../../harness/stack';
import { findSecrets, scanHistories } from '../../harness/secret-scan';
import { killableWorkerSuite } from '../../harness/worker-process';
import type { WorkflowHandle } from '@temporalio/client';
import { recordHistoryWhenAsked } from '../../harness/recorded-history';

// Real stack and a real worker process that is SIGKILLed; only Istio is played (see full-migration.test.ts).
const suite = killableWorkerSuite();
const restartWorker = suite.killAndRestartWorker;

beforeAll(async () => {
  await ensureIstioFootprint(adminKubeConfig());
});

/** Polls the progress often (a query needs a live worker) until `seen` holds. */
function when(handle: WorkflowHandle, seen: (p: MigrationProgress) => boolean, what: string): Promise<MigrationProgress> {
  return eventually(async () => {
    const progress = await progressOf(handle);
    return seen(progress) ? progress : undefined;
  }, 120_000, what);
}

/** Each workload switched exactly once: one new ReplicaSet beside the original, one template change. */
async function expectSwitchedOnce(namespace: string, names: string[], generation: number): Promise<void> {
  for (const name of names) {
    const deployment = await apps.readNamespacedDeployment({ namespace, name });
    expect([name, deployment.metadata!.generation]).toEqual([name, generation]);
    const replicaSets = await apps.listNamespacedReplicaSet({ namespace, labelSelector: `app=${name}` });
    expect([name, replicaSets.items.length]).toEqual([name, 2]);
  }
}

test('the worker killed during a wave: the migration completes after restart, and no step takes effect twice', async () => {
  const namespace = await createSidecarNamespace(['alpha', 'beta', 'gamma'], 'cr');
  // Holds the canary's rollout (room for the three agents' pods and the waypoint's, none for its new
  // pod) until the worker has been killed.
  await core.createNamespacedResourceQuota({ namespace, body: { metadata: { name: 'pods' }, spec: { hard: { pods: '4' } } } });
  const handle = await startMigration(suite.provisioner().client, suite.provisioner().settings.taskQueue, { namespace, strategy: { kind: 'waves', batchSize: 2 }, requireApproval: false });
  await when(handle, (p) => p.workloads[0]?.state === 'rolling-out', 'the canary to be rolling out');
  await restartWorker();
  await core.deleteNamespacedResourceQuota({ namespace, name: 'pods' });
  // And once more in the second wave.
  await when(handle, (p) => p.wave?.index === 2 && p.workloads.some((w) => w.wave === 2 && w.state !== 'pending'), 'the second wave to start');
  await restartWorker();
  expect(await handle.result()).toEqual({ outcome: 'completed' });

  await expectSwitchedOnce(namespace, ['alpha', 'beta', 'gamma'], 2);
  const admin = await keycloakAdmin();
  const clientSecrets: string[] = [];
  for (const name of ['alpha', 'beta', 'gamma']) {
    const clients = await admin.clients.find({ clientId: `${namespace}/${name}` });
    expect(clients).toHaveLength(1);
    clientSecrets.push((await admin.clients.getClientSecret({ id: clients[0].id! })).value!);
  }
  // The migration's histories (and its worker processes' output) hold no client secret either.
  expect(findSecrets([suite.output.join('')], clientSecrets, 'the worker processes\' output')).toEqual([]);
  const scan = await scanHistories(suite.provisioner().client, `TaskQueue = '${suite.provisioner().settings.taskQueue}'`, clientSecrets);
  expect(scan.histories).toBeGreaterThan(0);
  expect(scan.findings).toEqual([]);
});

test('the worker killed during compensation: the rollback completes after restart and restores the snapshot exactly', async () => {
  const namespace = await createSidecarNamespace(['alpha', 'beta'], 'cr');
  const before = await captureState(namespace);
  const handle = await startMigration(suite.provisioner().client, suite.provisioner().settings.taskQueue, { namespace, strategy: { kind: 'waves', batchSize: 1 } });
  for (const gate of ['preflight', 'snapshot', 'prepare', 'wave-1']) {
    await awaitingGate(handle, gate);
    await handle.executeUpdate(approveUpdate, { args: [{ gate }] });
  }
  await awaitingGate(handle, 'wave-2');
  await handle.executeUpdate(rollbackUpdate, { args: [{ reason: 'crash test' }] });
  await when(handle, (p) => p.compensations.some((c) => c.state === 'running' || c.state === 'done'), 'a compensation to run');
  await restartWorker();
  expect(await handle.result()).toEqual({ outcome: 'rolled-back', reason: 'crash test' });

  const progress = await progressOf(handle);
  expect(progress.compensations.every((c) => c.state === 'done')).toBe(true);
  expect(await captureState(namespace)).toEqual(before);
  // Restoring a template goes back to the original ReplicaSet: each workload changed twice, no third ReplicaSet.
  await expectSwitchedOnce(namespace, ['alpha', 'beta'], 3);
  // The kill did interrupt the rollback: a workflow task or an activity of it had to be tried again.
  const history = await handle.fetchHistory();
  const rollbackAt = history.events!.findIndex((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'rollback');
  const retried = history.events!.slice(rollbackAt).some((e) => e.workflowTaskTimedOutEventAttributes || (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1);
  expect(retried).toBe(true);
  await recordHistoryWhenAsked(handle, 'migration-worker-killed-during-compensation');
});
