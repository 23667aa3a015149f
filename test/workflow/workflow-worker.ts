import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Activities } from '../../model/activities';
import { WORKFLOW_BUNDLE } from '../../worker/bundle';

/**
 * Runs `body` while a worker serves the project's prebundled workflows (the bundle the real worker
 * runs) with `activities` on a task queue of its own.
 */
export async function withWorker<T>(env: TestWorkflowEnvironment, activities: Activities, body: (taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = `workflow-test-${randomUUID()}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: { codePath: WORKFLOW_BUNDLE }, activities });
  return worker.runUntil(body(taskQueue));
}
