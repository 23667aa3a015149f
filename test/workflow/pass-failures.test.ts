import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { NamespaceStatus } from '../../workflows/messages';
import { getStatusQuery, namespaceDeletedSignal, resourcesChangedSignal } from '../../workflows/messages';
import { startWorkflowEnvironment } from '../harness/workflow-environment';
import { completeConfig, fakeActivities, fakeCluster } from './fake-activities';
import { withWorker } from './workflow-worker';

// How a pass reports what fails and heals, on Temporal's time-skipping test server with fake
// activities (the integration fault suite proves the same against the real servers).

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startWorkflowEnvironment();
});
afterAll(() => env?.teardown());

let run = 0;
const start = (taskQueue: string) =>
  env.client.workflow.signalWithStart('namespaceWorkflow', {
    taskQueue,
    workflowId: `ns-provisioner/failing${++run}`,
    args: [{ namespace: 'team1' }],
    signal: resourcesChangedSignal,
    signalArgs: [{ reason: 'change' }],
  });

async function statusWhen(handle: { query: (q: typeof getStatusQuery) => Promise<NamespaceStatus> }, done: (s: NamespaceStatus) => boolean): Promise<NamespaceStatus> {
  for (;;) {
    const status = await handle.query(getStatusQuery);
    if (done(status)) return status;
    await new Promise((r) => setTimeout(r, 20));
  }
}

const count = (calls: string[], name: string) => calls.filter((c) => c === name).length;

test('Keycloak unreachable: reported by name after one try, looked at again after 5 s then 10 s, and cleared when it answers', async () => {
  const cluster = fakeCluster({ failuresLeft: { registerWorkload: 2 }, failureType: { registerWorkload: 'KeycloakUnreachable' } });
  const { activities, calls, events } = fakeActivities(cluster);
  await withWorker(env, activities, async (taskQueue) => {
    const handle = await start(taskQueue);
    const first = await statusWhen(handle, (s) => s.passes === 1);
    expect(first.last).toMatchObject({ phase: 'Waiting', retryAfterSeconds: 5, waiting: [expect.objectContaining({ reason: 'KeycloakUnreachable' })] });
    expect(first.last?.workloads).toEqual([expect.objectContaining({ name: 'agent', state: 'waiting' })]);
    expect(count(calls, 'registerWorkload')).toBe(1);
    await env.sleep('5 seconds');
    const second = await statusWhen(handle, (s) => s.passes === 2);
    expect(second.last?.retryAfterSeconds).toBe(10);
    await env.sleep('10 seconds');
    const healed = await statusWhen(handle, (s) => s.passes === 3);
    expect(healed.last).toMatchObject({ phase: 'Ready', waiting: [] });
    await handle.signal(namespaceDeletedSignal);
    await handle.result();
  });
  const reasons = events.map((e) => `${e.type} ${e.reason}`);
  // The Warning by each pass that found it (two), as one series, so one Kubernetes Event counted twice; the Normal once, when it cleared.
  const warnings = events.filter((e) => e.type === 'Warning' && e.reason === 'KeycloakUnreachable');
  expect(warnings).toHaveLength(2);
  expect(new Set(warnings.map((e) => e.series)).size).toBe(1);
  expect(new Set(warnings.map((e) => e.key)).size).toBe(2);
  expect(reasons.filter((r) => r === 'Normal KeycloakUnreachableCleared')).toHaveLength(1);
});

test('refused admin credentials are not tried again in the pass; the namespace waits for the configuration to change', async () => {
  const cluster = fakeCluster({ failuresLeft: { registerWorkload: 1 }, failureType: { registerWorkload: 'KeycloakCredentialsRefused' } });
  const { activities, calls, events } = fakeActivities(cluster);
  await withWorker(env, activities, async (taskQueue) => {
    const handle = await start(taskQueue);
    const status = await statusWhen(handle, (s) => s.passes === 1);
    expect(status.last).toMatchObject({ phase: 'Waiting', retryAfterSeconds: 30, waiting: [expect.objectContaining({ reason: 'KeycloakCredentialsRefused' })] });
    expect(count(calls, 'registerWorkload')).toBe(1);
    // The Secret is fixed: the watcher's signal brings the pass that heals, without waiting for the interval.
    await handle.signal(resourcesChangedSignal, { reason: 'change' });
    const healed = await statusWhen(handle, (s) => s.passes === 2);
    expect(healed.last?.phase).toBe('Ready');
    await handle.signal(namespaceDeletedSignal);
    await handle.result();
  });
  expect(events.map((e) => e.reason)).toEqual(expect.arrayContaining(['KeycloakCredentialsRefused', 'KeycloakCredentialsRefusedCleared']));
});

test('an unforeseen failure of Keycloak work never fails the workflow: it waits, named KeycloakWorkFailed, and tries again', async () => {
  const cluster = fakeCluster({ failuresLeft: { registerWorkload: 2 }, failureType: { registerWorkload: 'TypeError' } });
  const { activities } = fakeActivities(cluster);
  const keys: (string | undefined)[] = [];
  const register = activities.registerWorkload;
  activities.registerWorkload = (input) => {
    keys.push(input.registrationKey);
    return register(input);
  };
  await withWorker(env, activities, async (taskQueue) => {
    const handle = await start(taskQueue);
    const waiting = await statusWhen(handle, (s) => s.passes === 1);
    expect(waiting.last?.waiting).toEqual([{ reason: 'KeycloakWorkFailed', message: 'registerWorkload failed: TypeError (fault planted by the test)', series: expect.any(String) }]);
    await env.sleep('30 seconds');
    expect((await statusWhen(handle, (s) => s.passes === 2)).last?.phase).toBe('Ready');
    await handle.signal(resourcesChangedSignal, { reason: 'change' });
    await statusWhen(handle, (s) => s.passes === 3);
    await handle.signal(namespaceDeletedSignal);
    expect(await handle.result()).toBe('deleted');
    // The second pass finishes the first pass's registration under the first pass's key (what the
    // failed tries made is then reported once); a later registration has its own pass's key.
    const firstPass = `${handle.workflowId}/${handle.signaledRunId}/0`;
    expect(keys).toEqual([firstPass, firstPass, firstPass, expect.stringMatching(/\/2$/)]);
  });
});

test('a write the apiserver refuses (an admission policy, RBAC) is reported by name, never fails the workflow, and clears', async () => {
  const cluster = fakeCluster({ failuresLeft: { ensureWaypointGateway: 1 }, failureType: { ensureWaypointGateway: 'KubernetesRefused' } });
  const { activities, calls, events } = fakeActivities(cluster);
  await withWorker(env, activities, async (taskQueue) => {
    const handle = await start(taskQueue);
    const refused = await statusWhen(handle, (s) => s.passes === 1);
    expect(refused.last).toMatchObject({ phase: 'Waiting', retryAfterSeconds: 30, waiting: [{ reason: 'KubernetesRefused', message: 'ensureWaypointGateway failed: KubernetesRefused (fault planted by the test)' }] });
    expect(count(calls, 'ensureWaypointGateway')).toBe(1);
    await env.sleep('30 seconds');
    expect((await statusWhen(handle, (s) => s.passes === 2)).last?.phase).toBe('Ready');
    await handle.signal(namespaceDeletedSignal);
    expect(await handle.result()).toBe('deleted');
  });
  expect(events.map((e) => `${e.type} ${e.reason}`)).toEqual(expect.arrayContaining(['Warning KubernetesRefused', 'Normal KubernetesRefusedCleared']));
});

test('a KEYCLOAK_URL that is not a URL is reported and nothing is sent to Keycloak', async () => {
  const cluster = fakeCluster({
    config: completeConfig({ keycloak: undefined, keycloakProblem: { reason: 'KeycloakUrlInvalid', message: "ConfigMap kagenti-system/kagenti-operator-config: KEYCLOAK_URL 'keycloak' is not a URL" } }),
  });
  const { activities, calls, events } = fakeActivities(cluster);
  await withWorker(env, activities, async (taskQueue) => {
    const handle = await start(taskQueue);
    const status = await statusWhen(handle, (s) => s.passes === 1);
    expect(status.last?.waiting).toEqual([{ reason: 'KeycloakUrlInvalid', message: "ConfigMap kagenti-system/kagenti-operator-config: KEYCLOAK_URL 'keycloak' is not a URL", series: expect.any(String) }]);
    await handle.signal(namespaceDeletedSignal);
    await handle.result();
  });
  expect(calls).not.toContain('registerWorkload');
  expect(events).toContainEqual(expect.objectContaining({ type: 'Warning', reason: 'KeycloakUrlInvalid' }));
});

test("each step's Events are recorded as it happens, before a later step finishes", async () => {
  const cluster = fakeCluster();
  const { activities, events } = fakeActivities(cluster);
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const register = activities.registerWorkload;
  activities.registerWorkload = async (input) => {
    await held;
    return register(input);
  };
  await withWorker(env, activities, async (taskQueue) => {
    const handle = await start(taskQueue);
    // Registration is held; the labels, the Gateway and its readiness are already reported.
    for (;;) {
      if (events.some((e) => e.reason === 'WaypointReady')) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(events.map((e) => e.reason)).toEqual(['AmbientLabelsSet', 'WaypointCreated', 'WaypointReady']);
    release();
    await statusWhen(handle, (s) => s.passes === 1);
    await handle.signal(namespaceDeletedSignal);
    await handle.result();
  });
  // The registration is one Event: its largest change names it, its message lists every change.
  expect(events.map((e) => e.reason)).toEqual(['AmbientLabelsSet', 'WaypointCreated', 'WaypointReady', 'KeycloakClientCreated']);
  expect(events[3].message).toMatch(/^Keycloak client \S+ created; Secret \S+ created; Pod template annotated with credentials Secret \S+$/);
});

test('a namespace deleted under a local step ends the workflow as deleted, not failed', async () => {
  const cluster = fakeCluster({ failuresLeft: { ensureNamespaceLabels: 1 }, failureType: { ensureNamespaceLabels: 'NamespaceGone' } });
  const { activities } = fakeActivities(cluster);
  await withWorker(env, activities, async (taskQueue) => {
    const handle = await start(taskQueue);
    expect(await handle.result()).toBe('deleted');
  });
});
