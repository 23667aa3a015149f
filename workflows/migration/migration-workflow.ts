import { setWorkflowOptions } from '@temporalio/workflow';
import type { MigrationInput, MigrationResult } from '../../model/migration';
import { Migration } from './migration';
import { PINNED } from '../worker-version';

/**
 * Moves one namespace from sidecar mode to waypoint mode, the way the reference runbook does by
 * hand, with an approval gate after each phase and wave: preflight, snapshot, prepare (ambient
 * labels, waypoint Gateway, readiness), the waves (switch, register, restart, roll out, validate),
 * clean-up. A rollback (asked for, a cancellation, or a failed step) runs the recorded
 * compensations newest first and returns the namespace to its snapshot.
 */
export async function migrationWorkflow(input: MigrationInput): Promise<MigrationResult> {
  return new Migration(input).run();
}
// A migration finishes on the build it started with, its compensations included: a person
// approved each phase as that build runs it.
setWorkflowOptions(PINNED, migrationWorkflow);
