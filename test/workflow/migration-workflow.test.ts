import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { MigrationInput, MigrationProgress } from '../../model/migration';
import { approveUpdate, progressQuery, rollbackUpdate } from '../../workflows/migration/messages';
import { startWorkflowEnvironment } from '../harness/workflow-environment';
import { agentNamespace, fakeActivities, fakeCluster } from './fake-activities';
import { withWorker } from './workflow-worker';

// The migration's logic on Temporal's time-skipping test server, activities replaced by fakes:
// the integration suite proves the same behaviour against the real servers.

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startWorkflowEnvironment();
});
afterAll(() => env?.teardown());

let run = 0;
const start = (taskQueue: string, input: Partial<MigrationInput> = {}) =>
  env.client.workflow.start('migrationWorkflow', { taskQueue, workflowId: `ns-migration/team${++run}`, args: [{ namespace: 'team1', ...input }] });

async function awaitGate(handle: { query: (q: typeof progressQuery) => Promise<MigrationProgress> }, gate: string): Promise<MigrationProgress> {
  for (;;) {
    const progress = await handle.query(progressQuery);
    if (progress.awaiting?.gate === gate) return progress;
    await new Promise((r) => setTimeout(r, 20));
  }
}

const FORWARD = [
  'migrationPreflight',
  'holdNamespaceForMigration',
  'takeMigrationSnapshot',
  'ensureNamespaceLabels',
  'ensureWaypointGateway',
  'waitForGatewayProgrammed',
  'removeIstioInjection',
  'ensureKeycloakClient',
  'ensureClientCredentialsSecret',
  'switchWorkloadToWaypoint',
  'waitForRollout',
  'validateMigratedWorkload',
  'deleteLegacySecrets',
];

test('each gate accepts only its own approval; approved in order, the runbook runs in order and finalizes', async () => {
  const { activities, calls } = fakeActivities(fakeCluster());
  await withWorker(env, activities, async (taskQueue) => {
    const handle = await start(taskQueue);
    await awaitGate(handle, 'preflight');
    const refused = (gate: string) => handle.executeUpdate(approveUpdate, { args: [{ gate }] }).then(() => 'accepted', (e: WorkflowUpdateFailedError) => e.cause?.message);
    expect(await refused('prepare')).toBe("out of order: 'preflight' awaits approval, not 'prepare'");
    expect(await refused('nope')).toMatch(/^unknown gate 'nope'/);
    for (const gate of ['preflight', 'snapshot', 'prepare', 'wave-1', 'cleanup']) {
      await awaitGate(handle, gate);
      await handle.executeUpdate(approveUpdate, { args: [{ gate, by: 'ana' }] });
    }
    expect(await handle.result()).toEqual({ outcome: 'completed' });
    expect((await handle.query(progressQuery)).approvals.map((a) => [a.gate, a.by, a.via])).toEqual(
      ['preflight', 'snapshot', 'prepare', 'wave-1', 'cleanup'].map((gate) => [gate, 'ana', 'update']),
    );
  });
  expect(calls.filter((c) => c !== 'recordEvents')).toEqual([...FORWARD, 'deleteMigrationSnapshot', 'releaseNamespaceFromMigration']);
});

test('a rollback runs every recorded compensation, newest first', async () => {
  const { activities, calls } = fakeActivities(fakeCluster());
  await withWorker(env, activities, async (taskQueue) => {
    const handle = await start(taskQueue, { requireApproval: true });
    for (const gate of ['preflight', 'snapshot', 'prepare', 'wave-1']) {
      await awaitGate(handle, gate);
      await handle.executeUpdate(approveUpdate, { args: [{ gate }] });
    }
    await awaitGate(handle, 'cleanup');
    await handle.executeUpdate(rollbackUpdate, { args: [{ reason: 'changed my mind', by: 'ana' }] });
    expect(await handle.result()).toEqual({ outcome: 'rolled-back', reason: 'changed my mind (by ana)' });
  });
  const undo = calls.slice(calls.indexOf('deleteLegacySecrets') + 1).filter((c) => c !== 'recordEvents');
  expect(undo).toEqual([
    'restoreLegacySecrets',
    'restoreWorkloadTemplate',
    'removeMigratedRegistration',
    'restoreNamespaceLabels',
    'removeMigrationGateway',
    'restoreNamespaceLabels',
    'deleteMigrationSnapshot',
    'releaseNamespaceFromMigration',
  ]);
});

test('an approval deadline pauses the migration by default; a later approval resumes it', async () => {
  const { activities } = fakeActivities(fakeCluster());
  await withWorker(env, activities, async (taskQueue) => {
    const handle = await start(taskQueue, { approvalTimeout: '4h' });
    const waiting = await awaitGate(handle, 'preflight');
    expect(waiting.awaiting?.deadline).toBeDefined();
    await env.sleep('5h');
    const paused = await handle.query(progressQuery);
    expect(paused.state).toBe('Paused');
    expect(paused.reason).toBe("gate 'preflight' was not approved within 4h: paused until it is");
    await handle.executeUpdate(approveUpdate, { args: [{ gate: 'preflight' }] });
    const resumed = await awaitGate(handle, 'snapshot');
    expect(resumed.state).toBe('AwaitingApproval');
    // Every workflow ends before its worker stops: one left waiting on a task would stop the server skipping time.
    await handle.cancel();
    await expect(handle.result()).rejects.toThrow();
  });
});

test('an approval deadline rolls the migration back when the input says so', async () => {
  const { activities } = fakeActivities(fakeCluster());
  await withWorker(env, activities, async (taskQueue) => {
    const handle = await start(taskQueue, { approvalTimeout: '2d', onApprovalTimeout: 'rollback' });
    await awaitGate(handle, 'preflight');
    await handle.executeUpdate(approveUpdate, { args: [{ gate: 'preflight' }] });
    await awaitGate(handle, 'snapshot');
    await env.sleep('3d');
    expect(await handle.result()).toEqual({ outcome: 'rolled-back', reason: "gate 'snapshot' was not approved within 2d" });
  });
});

test('a wave that does not roll out rolls back by itself, saying why', async () => {
  const { activities, calls } = fakeActivities(fakeCluster({ rollsOut: false }));
  await withWorker(env, activities, async (taskQueue) => {
    const result = await env.client.workflow.execute('migrationWorkflow', {
      taskQueue,
      workflowId: `ns-migration/rollout-${++run}`,
      args: [{ namespace: 'team1', requireApproval: false, rolloutTimeoutSeconds: 3 }],
    });
    expect(result).toEqual({ outcome: 'rolled-back', reason: 'wave 1 did not roll out within 3 s: Deployment agent: 0 of 1 updated' });
  });
  expect(calls).not.toContain('validateMigratedWorkload');
  expect(calls).toContain('restoreWorkloadTemplate');
});

test('a compensation that keeps failing is retried, round after round, until it succeeds; none is skipped', async () => {
  // Each round tries five times; twelve failures take three rounds, 30 s apart (skipped).
  const cluster = fakeCluster({ failuresLeft: { restoreWorkloadTemplate: 12 } });
  const { activities, calls } = fakeActivities(cluster);
  await withWorker(env, activities, async (taskQueue) => {
    const handle = await start(taskQueue, { requireApproval: false, rolloutTimeoutSeconds: 3 });
    cluster.rollsOut = false;
    expect((await handle.result()).outcome).toBe('rolled-back');
    const progress = await handle.query(progressQuery);
    const record = progress.compensations.find((c) => c.step.startsWith('Restore the pod template'))!;
    expect(record).toMatchObject({ state: 'done', attempts: 3 });
    expect(progress.compensations.every((c) => c.state === 'done')).toBe(true);
  });
  expect(calls.filter((c) => c === 'restoreWorkloadTemplate')).toHaveLength(13);
  expect(calls.filter((c) => c !== 'recordEvents').at(-1)).toBe('releaseNamespaceFromMigration');
});

test('a failed preflight changes nothing and lists every failure', async () => {
  const { activities, calls } = fakeActivities(fakeCluster({ namespace: agentNamespace({ workloads: [] }) }));
  await withWorker(env, activities, async (taskQueue) => {
    const result = await env.client.workflow.execute('migrationWorkflow', {
      taskQueue,
      workflowId: `ns-migration/preflight-${++run}`,
      args: [{ namespace: 'team1', approvalTimeout: 'soon', strategy: { kind: 'waves', batchSize: 1, canary: 'omega' } }],
    });
    expect(result.outcome).toBe('preflight-failed');
    expect(result.reason).toBe("preflight failed: strategy: canary omega is not one of the agent workloads: none; approval-timeout: 'soon' is not a duration such as 90s, 15m, 4h or 2d");
  });
  expect(calls.filter((c) => c !== 'recordEvents')).toEqual(['migrationPreflight']);
});
