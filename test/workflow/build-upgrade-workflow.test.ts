import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startWorkflowEnvironment } from '../harness/workflow-environment';
import { fakeActivities, fakeCluster } from './fake-activities';
import { withWorker } from './workflow-worker';

// The upgrade to a new build as a sequence of steps, on Temporal's time-skipping test server with
// fake activities (test/harness/worker-upgrade.ts runs it between two real builds; moving a
// workflow onto another build needs the real server's worker deployments).

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startWorkflowEnvironment();
});
afterAll(() => env?.teardown());

test('an upgrade tells the Keycloak audit to move first, then wakes the namespaces on other builds a batch a second, and ends when none is left', async () => {
  const { activities, calls } = fakeActivities(fakeCluster());
  const lists = [['team1', 'team2', 'team3'], []];
  activities.listNamespacesOnOtherBuilds = async () => lists.shift() ?? [];
  const woken: string[][] = [];
  const wake = activities.wakeNamespaces;
  activities.wakeNamespaces = (input) => {
    woken.push(input.namespaces);
    return wake(input);
  };
  await withWorker(env, activities, async (taskQueue) => {
    const result = await env.client.workflow.execute('buildUpgradeWorkflow', {
      taskQueue,
      workflowId: 'build-upgrade/kagenti-waypoint/b/test',
      args: [{ deploymentName: 'kagenti-waypoint', buildId: 'b', wakesPerSecond: 2 }],
    });
    expect(result).toEqual({ outcome: 'done', woken: 3 });
  });
  // Told before any namespace: otherwise the audit holds the old build until its next round.
  expect(calls).toEqual(['moveAuditToCurrentBuild', 'wakeNamespaces', 'wakeNamespaces']);
  expect(woken).toEqual([['team1', 'team2'], ['team3']]);
});
