import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ensureIstioFootprint } from '../../../tools/local/istio-footprint';
import { migrationWorkflowId } from '../../../model/workflow-ids';
import { approveSignal, approveUpdate, rollbackUpdate } from '../../../workflows/migration/messages';
import { eventually } from '../../harness/eventually';
import { awaitingGate, captureState, createSidecarNamespace, progressOf, startMigration, temporalCli } from '../../harness/migration';
import { provisionedSuite } from '../../harness/provisioned-suite';
import { adminKubeConfig } from '../../harness/stack';
import { recordHistoryWhenAsked } from '../../harness/recorded-history';

// Real stack; only Istio is played (see full-migration.test.ts).
const provisioner = provisionedSuite();

beforeAll(async () => {
  await ensureIstioFootprint(adminKubeConfig());
});

async function refusal(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
    return (error as WorkflowUpdateFailedError).cause?.message ?? '';
  }
  throw new Error('the update was accepted');
}

test('an approval out of order, repeated, or for an unknown gate is refused at once with the reason; a refused signal changes nothing', async () => {
  const namespace = await createSidecarNamespace(['alpha', 'beta'], 'ap');
  const handle = await startMigration(provisioner().client, provisioner().settings.taskQueue, { namespace, strategy: { kind: 'waves', batchSize: 1 } });
  await awaitingGate(handle, 'preflight');

  expect(await refusal(() => handle.executeUpdate(approveUpdate, { args: [{ gate: 'prepare' }] }))).toBe("out of order: 'preflight' awaits approval, not 'prepare'");
  expect(await refusal(() => handle.executeUpdate(approveUpdate, { args: [{ gate: 'wave-9' }] }))).toBe(
    "unknown gate 'wave-9'; the gates are preflight, snapshot, prepare, wave-1, wave-2, cleanup",
  );
  // The same refusal through the real temporal CLI.
  await expect(
    temporalCli(['workflow', 'update', 'execute', '--workflow-id', migrationWorkflowId(namespace), '--name', 'approve', '--input', '{"gate":"wave-1"}']),
  ).rejects.toThrow(/out of order: 'preflight' awaits approval, not 'wave-1'/);

  await handle.executeUpdate(approveUpdate, { args: [{ gate: 'preflight' }] });
  expect(await refusal(() => handle.executeUpdate(approveUpdate, { args: [{ gate: 'preflight' }] }))).toBe("gate 'preflight' was already approved");
  await awaitingGate(handle, 'snapshot');
  // A signal cannot be refused to its sender: it is ignored, and the gate still awaits approval.
  await handle.signal(approveSignal, { gate: 'cleanup' });
  await new Promise((r) => setTimeout(r, 1000));
  const progress = await progressOf(handle);
  expect(progress.awaiting?.gate).toBe('snapshot');
  expect(progress.approvals.map((a) => a.gate)).toEqual(['preflight']);

  await handle.executeUpdate(rollbackUpdate, { args: [{ reason: 'done testing' }] });
  await handle.result();
await recordHistoryWhenAsked(handle, 'migration-approval-deadline-paused');
  expect(await handle.result()).toEqual({ outcome: 'rolled-back', reason: 'done testing' });
});

test('an approval deadline that passes rolls the migration back when the input says so', async () => {
  const namespace = await createSidecarNamespace(['alpha'], 'ap');
  const before = await captureState(namespace);
  const handle = await startMigration(provisioner().client, provisioner().settings.taskQueue, {
    namespace,
    approvalTimeout: '3s',
    onApprovalTimeout: 'rollback',
  });
  await awaitingGate(handle, 'preflight');
  await handle.executeUpdate(approveUpdate, { args: [{}] });
  const awaiting = await awaitingGate(handle, 'snapshot');
  expect(Date.parse(awaiting.awaiting!.deadline!) - Date.parse(awaiting.awaiting!.since)).toBe(3000);
  expect(await handle.result()).toEqual({ outcome: 'rolled-back', reason: "gate 'snapshot' was not approved within 3s" });
  expect(await captureState(namespace)).toEqual(before);
});

test('an approval deadline that passes pauses the migration by default; a later approval resumes it', async () => {
  const namespace = await createSidecarNamespace(['alpha'], 'ap');
  const handle = await startMigration(provisioner().client, provisioner().settings.taskQueue, { namespace, approvalTimeout: '2s' });
  await awaitingGate(handle, 'preflight');
  const paused = await eventually(async () => {
    const progress = await progressOf(handle);
    return progress.state === 'Paused' ? progress : undefined;
  }, 30_000, 'the migration to pause');
  expect(paused.reason).toBe("gate 'preflight' was not approved within 2s: paused until it is");
  expect(paused.awaiting?.gate).toBe('preflight');
  await handle.executeUpdate(approveUpdate, { args: [{ gate: 'preflight', by: 'late approver' }] });
  const resumed = await awaitingGate(handle, 'snapshot');
  expect(resumed.reason).toBeUndefined();
  await handle.executeUpdate(rollbackUpdate, { args: [{ reason: 'done testing' }] });
  expect((await handle.result()).outcome).toBe('rolled-back');
});
