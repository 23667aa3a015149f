import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { getStatusQuery, namespaceDeletedSignal, resourcesChangedSignal } from '../../workflows/messages';
import { startWorkflowEnvironment } from '../harness/workflow-environment';
import { completeConfig, fakeActivities, fakeCluster } from './fake-activities';
import { withWorker } from './workflow-worker';

// The namespace workflow's logic on Temporal's time-skipping test server, activities replaced by
// fakes: the integration suite proves the same behaviour against the real servers.

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startWorkflowEnvironment();
});
afterAll(() => env?.teardown());

let run = 0;
const start = (taskQueue: string, input: object = {}) =>
  env.client.workflow.signalWithStart('namespaceWorkflow', {
    taskQueue,
    workflowId: `ns-provisioner/team${++run}`,
    args: [{ namespace: 'team1', ...input }],
    signal: resourcesChangedSignal,
    signalArgs: [{ reason: 'change' }],
  });

async function until<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
}

const count = (calls: string[], name: string) => calls.filter((c) => c === name).length;

test('changes during a pass fold into one more pass; the first pass on a new namespace skips the stale-client search', async () => {
  const { activities, calls } = fakeActivities(fakeCluster());
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const inspect = activities.inspectNamespace;
  activities.inspectNamespace = async (namespace) => {
    if (count(calls, 'inspectNamespace') === 0) await held;
    return inspect(namespace);
  };
  await withWorker(env, activities, async (taskQueue) => {
    const handle = await start(taskQueue);
    for (let i = 0; i < 5; i++) await handle.signal(resourcesChangedSignal, { reason: 'change' });
    release();
    const status = await until(async () => {
      const s = await handle.query(getStatusQuery);
      return s.passes === 2 && !s.pending ? s : undefined;
    });
    expect(status.last).toMatchObject({ phase: 'Ready', waypointReady: true, agentCount: 1 });
    await handle.signal(namespaceDeletedSignal);
    expect(await handle.result()).toBe('deleted');
  });
  expect(count(calls, 'inspectNamespace')).toBe(2);
  expect(count(calls, 'registerWorkload')).toBe(2);
  // Second pass and the clean-up after deletion search; the first pass did not.
  expect(count(calls, 'deleteStaleKeycloakClients')).toBe(2);
});

test('a waiting state is looked at again after the retry interval, and Ready once the config is fixed', async () => {
  const cluster = fakeCluster({ config: completeConfig({ keycloak: undefined }) });
  const { activities, calls } = fakeActivities(cluster);
  await withWorker(env, activities, async (taskQueue) => {
    const handle = await start(taskQueue);
    const waiting = await until(async () => {
      const s = await handle.query(getStatusQuery);
      return s.last?.phase === 'Waiting' ? s : undefined;
    });
    expect(waiting.last?.waiting.map((w) => w.reason)).toEqual(['KeycloakConfigMissing']);
    expect(waiting.last?.retryAfterSeconds).toBe(30);
    // Nothing changes before the interval: no event, no pass.
    await env.sleep('20 seconds');
    expect((await handle.query(getStatusQuery)).passes).toBe(1);
    cluster.config = completeConfig();
    await env.sleep('11 seconds');
    const ready = await until(async () => {
      const s = await handle.query(getStatusQuery);
      return s.last?.phase === 'Ready' ? s : undefined;
    });
    expect(ready.passes).toBe(2);
    await handle.signal(namespaceDeletedSignal);
    await handle.result();
  });
  expect(count(calls, 'registerWorkload')).toBe(1);
});

test('a waypoint istiod refused is reported with its reason at once, without waiting out the bound', async () => {
  const { activities, calls, events } = fakeActivities(fakeCluster());
  activities.waitForGatewayProgrammed = async () => {
    calls.push('waitForGatewayProgrammed');
    return { ready: false, refused: true, reason: 'UnsupportedProtocol', message: 'istiod refused listener mesh: Expected a single listener on port 15008 with protocol "HBONE"' };
  };
  await withWorker(env, activities, async (taskQueue) => {
    const handle = await start(taskQueue);
    const waiting = await until(async () => {
      const s = await handle.query(getStatusQuery);
      return s.last?.phase === 'Waiting' ? s : undefined;
    });
    expect(waiting.last?.waiting).toEqual([{ reason: 'WaypointRefused', message: expect.stringContaining('UnsupportedProtocol: istiod refused listener mesh'), series: expect.any(String) }]);
    expect(events.filter((e) => e.type === 'Warning').map((e) => e.reason)).toContain('WaypointRefused');
    await handle.signal(namespaceDeletedSignal);
    await handle.result();
  });
  // Only the first short look: a refusal is final, so no heartbeating wait follows it.
  expect(count(calls, 'waitForGatewayProgrammed')).toBe(1);
});

test('a waypoint wake runs a pass only when the last pass did not find the waypoint ready', async () => {
  const { activities, calls } = fakeActivities(fakeCluster());
  let programmed = false;
  activities.waitForGatewayProgrammed = async () => {
    calls.push('waitForGatewayProgrammed');
    return programmed ? { ready: true, refused: false, reason: 'Programmed', message: '' } : { ready: false, refused: false, reason: 'Pending', message: 'Waiting for controller' };
  };
  await withWorker(env, activities, async (taskQueue) => {
    const handle = await start(taskQueue);
    await until(async () => ((await handle.query(getStatusQuery)).last?.phase === 'Waiting' ? true : undefined));
    programmed = true;
    await handle.signal(resourcesChangedSignal, { reason: 'waypoint' });
    const ready = await until(async () => {
      const s = await handle.query(getStatusQuery);
      return s.last?.phase === 'Ready' ? s : undefined;
    });
    expect(ready.passes).toBe(2);
    // The waypoint is ready: another verdict change is no reason for a pass.
    await handle.signal(resourcesChangedSignal, { reason: 'waypoint' });
    await env.sleep('5 seconds');
    expect((await handle.query(getStatusQuery)).passes).toBe(2);
    await handle.signal(namespaceDeletedSignal);
    await handle.result();
  });
});

test('the workflow continues as new past its history limit, carrying its passes and last outcome', async () => {
  const { activities } = fakeActivities(fakeCluster());
  await withWorker(env, activities, async (taskQueue) => {
    const handle = await start(taskQueue, { historyLimit: 40 });
    const firstRun = (await handle.describe()).runId;
    for (let i = 0; i < 6; i++) {
      await handle.signal(resourcesChangedSignal, { reason: 'change' });
      await until(async () => ((await handle.query(getStatusQuery)).pending ? undefined : true));
    }
    const latest = env.client.workflow.getHandle(handle.workflowId);
    const status = await until(async () => {
      const s = await latest.query(getStatusQuery);
      return s.passes >= 5 && !s.pending ? s : undefined;
    });
    expect((await latest.describe()).runId).not.toBe(firstRun);
    expect(status.last?.phase).toBe('Ready');
    await latest.signal(namespaceDeletedSignal);
    expect(await latest.result()).toBe('deleted');
  });
});

test('a namespace found gone ends the workflow after removing its clients with the settings in force', async () => {
  const cluster = fakeCluster();
  const { activities, calls } = fakeActivities(cluster);
  cluster.namespace = { ...cluster.namespace, exists: false };
  await withWorker(env, activities, async (taskQueue) => {
    const handle = await start(taskQueue);
    expect(await handle.result()).toBe('deleted');
  });
  expect(calls.filter((c) => c !== 'recordNamespaceStatus')).toEqual(['inspectNamespace', 'resolveProvisioningConfig', 'deleteStaleKeycloakClients']);
});
