import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ApprovalRecord, ApproveInput, MigrationProgress, RollbackInput } from '../../model/migration';

// Approval and rollback come both as an Update (validated: a refusal reaches the caller at once)
// and as a Signal of the same name (`temporal workflow signal`, the tctl-era path; a refused signal
// is recorded in the progress instead).

export const approveUpdate = defineUpdate<ApprovalRecord, [ApproveInput]>('approve');
export const approveSignal = defineSignal<[ApproveInput?]>('approve');
export const rollbackUpdate = defineUpdate<{ accepted: true; reason: string }, [RollbackInput]>('rollback');
export const rollbackSignal = defineSignal<[RollbackInput?]>('rollback');
/** Phase, wave, each workload's state, the gate awaiting approval, and the compensation log. */
export const progressQuery = defineQuery<MigrationProgress>('progress');
