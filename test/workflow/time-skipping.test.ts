import { randomUUID } from 'node:crypto';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { AgentCount, ProvisionerNamespace, ProvisionerPhase, WaypointReady } from '../../workflows/search-attributes';
import { startWorkflowEnvironment } from '../harness/workflow-environment';
import { agentsArrived, weekLongWorkflow } from './fixtures/time-skipping-workflows';

const DAY = 24 * 60 * 60 * 1000;

// Proves the time-skipping test server works here: timers of days pass in moments, signals and
// env.sleep() interleave with them, and this project's search attributes can be upserted.
describe('time-skipping workflow environment', () => {
  const taskQueue = `time-skipping-${randomUUID()}`;
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;

  beforeAll(async () => {
    env = await startWorkflowEnvironment();
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: require.resolve('./fixtures/time-skipping-workflows'),
    });
    running = worker.run();
  });

  afterAll(async () => {
    if (worker) {
      worker.shutdown();
      await running;
    }
    await env?.teardown();
  });

  test('a workflow that sleeps a week, then waits three days for a signal that never comes, ends in seconds', async () => {
    const started = Date.now();
    const result = await env.client.workflow.execute(weekLongWorkflow, {
      taskQueue,
      workflowId: `week-long-${randomUUID()}`,
      args: ['team-a'],
    });
    expect(result.elapsedMs).toBeGreaterThanOrEqual(10 * DAY);
    expect(result.agents).toBeUndefined();
    expect(result.phase).toBe('Waiting');
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  test('env.sleep() skips to the middle of the wait, where a signal ends it', async () => {
    const handle = await env.client.workflow.start(weekLongWorkflow, {
      taskQueue,
      workflowId: `week-long-${randomUUID()}`,
      args: ['team-b'],
    });
    const before = await env.currentTimeMs();
    await env.sleep('8 days');
    expect((await env.currentTimeMs()) - before).toBeGreaterThanOrEqual(8 * DAY);
    await handle.signal(agentsArrived, 3);
    const result = await handle.result();
    expect(result.agents).toBe(3);
    expect(result.elapsedMs).toBeGreaterThanOrEqual(8 * DAY);
    expect(result.elapsedMs).toBeLessThan(10 * DAY);
    expect(result).toMatchObject({ phase: 'Ready', namespace: 'team-b' });

    // The server recorded the upserts: the project's keyword, bool and int attributes.
    const { typedSearchAttributes } = await handle.describe();
    expect(typedSearchAttributes.get(ProvisionerNamespace)).toBe('team-b');
    expect(typedSearchAttributes.get(ProvisionerPhase)).toBe('Ready');
    expect(typedSearchAttributes.get(WaypointReady)).toBe(true);
    expect(typedSearchAttributes.get(AgentCount)).toBe(3);
  });

  test('the test server refuses a search attribute that was not registered', async () => {
    const unknown = defineSearchAttributeKey('NotRegisteredHere', SearchAttributeType.KEYWORD);
    await expect(
      env.client.workflow.start(weekLongWorkflow, {
        taskQueue,
        workflowId: `week-long-${randomUUID()}`,
        args: ['team-c'],
        typedSearchAttributes: [{ key: unknown, value: 'x' }],
      }),
    ).rejects.toMatchObject({ cause: { details: 'search attribute NotRegisteredHere is not defined' } });
  });
});
