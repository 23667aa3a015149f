import { Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { PRIORITY_KEY } from '../model/provisioning';
import { buildUpgradeWorkflowId } from '../model/workflow-ids';
import type { BuildUpgradeInput, buildUpgradeWorkflow } from '../workflows/build-upgrade-workflow';

/**
 * Starts the upgrade onto a build that became current at `currentSince`, once: every worker of the
 * build asks, the first one starts it. Returns whether this call started it.
 */
export async function startBuildUpgrade(client: Client, taskQueue: string, input: BuildUpgradeInput, currentSince: Date): Promise<boolean> {
  try {
    await client.workflow.start<typeof buildUpgradeWorkflow>('buildUpgradeWorkflow', {
      workflowId: buildUpgradeWorkflowId(input.deploymentName, input.buildId, currentSince),
      taskQueue,
      args: [input],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      staticSummary: `Move every namespace onto build ${input.buildId}`,
      priority: { priorityKey: PRIORITY_KEY.maintenance },
    });
    return true;
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw error;
  }
}
