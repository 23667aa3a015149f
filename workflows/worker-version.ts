import { allHandlersFinished, condition, makeContinueAsNewFunc, type Workflow, workflowInfo } from '@temporalio/workflow';
import type { WorkflowDefinitionOptions } from '@temporalio/common';

/**
 * Every workflow type here is pinned: a run replays only on the build that started it, so a change
 * of shape never meets an old history (docs/architecture.md, "Versioning"). The long-lived ones
 * move to a new build themselves, at a point where that is safe, by continuing-as-new onto it.
 * An unversioned worker (no build id) declares no behaviour: the server refuses one from it.
 */
export function PINNED(): WorkflowDefinitionOptions {
  return workflowInfo().currentDeploymentVersion?.deploymentName ? { versioningBehavior: 'PINNED' } : {};
}

/**
 * Whether another build of the worker has become the target of this run's task queue (current, or
 * ramping onto this run) since the run was pinned. Refreshed by every workflow task; always false
 * on an unversioned worker.
 */
export function newerBuildIsTarget(): boolean {
  return workflowInfo().targetWorkerDeploymentVersionChanged;
}

/**
 * Continues-as-new so that the next run starts on the target build (and is pinned there), once
 * the handlers in progress have finished. Without a newer target the next run stays on this one.
 */
export async function continueOnTargetBuild<F extends Workflow>(...args: Parameters<F>): Promise<never> {
  await condition(allHandlersFinished);
  return makeContinueAsNewFunc<F>({ initialVersioningBehavior: 'AUTO_UPGRADE' })(...args);
}
