import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { getStatusQuery, namespaceDeletedSignal, NamespaceStatus, resourcesChangedSignal } from '../../workflows/messages';
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

/** The workflow's status once its last pass ended in `wanted`. */
const phase = (handle: { query: (q: typeof getStatusQuery) => Promise<NamespaceStatus> }, wanted: 'Ready' | 'Waiting') =>
  until(async () => {
    const s = await handle.query(getStatusQuery);
    return s.last?.phase === wanted ? s : undefined;
  });

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
    const waiting = await phase(handle, 'Waiting');
    expect(waiting.last?.waiting.map((w) => w.reason)).toEqual(['KeycloakConfigMissing']);
    expect(waiting.last?.retryAfterSeconds).toBe(30);
    // Nothing changes before the interval: no event, no pass.
    await env.sleep('20 seconds');
    expect((await handle.query(getStatusQuery)).passes).toBe(1);
    cluster.config = completeConfig();
    await env.sleep('11 seconds');
    const ready = await phase(handle, 'Ready');
    expect(ready.passes).toBe(2);
    await handle.signal(namespaceDeletedSignal);
    await handle.result();
  });
  expect(count(calls, 'registerWorkload')).toBe(1);
});

const NOT_YET = { ready: false, refused: false, reason: 'NoStatus', message: 'istiod has not written the Gateway status yet' };

/** A Gateway istiod has not judged when it is created, and what each later look at it finds. */
function slowIstiod(looks: () => { ready: boolean; refused: boolean; reason: string; message: string }) {
  const fakes = fakeActivities(fakeCluster());
  fakes.activities.ensureWaypointGateway = async () => {
    fakes.calls.push('ensureWaypointGateway');
    return count(fakes.calls, 'ensureWaypointGateway') === 1 ? { outcome: 'created', readiness: NOT_YET } : { outcome: 'unchanged', readiness: looks() };
  };
  fakes.activities.lookAtWaypoint = async (_namespace, explain) => {
    fakes.calls.push(explain ? 'lookAtWaypoint(explain)' : 'lookAtWaypoint');
    return looks();
  };
  return fakes;
}

test('the waypoint is waited for without polling: credentials are made meanwhile, and the Gateway is looked at only on the watcher’s word', async () => {
  let programmed = false;
  const { activities, calls } = slowIstiod(() => (programmed ? { ready: true, refused: false, reason: 'Programmed', message: '' } : NOT_YET));
  await withWorker(env, activities, async (taskQueue) => {
    const handle = await start(taskQueue);
    await until(async () => (count(calls, 'registerWorkload') === 1 ? true : undefined));
    // Far into the 60 s bound, with no word from the watcher: one look when it is slower than 5 s, and no more.
    await env.sleep('40 seconds');
    expect(count(calls, 'lookAtWaypoint')).toBe(1);
    // The watcher's word that istiod programmed it: one look, and Ready within the same pass.
    programmed = true;
    await handle.signal(resourcesChangedSignal, { reason: 'waypoint', waypoint: { ready: true, refused: false } });
    const ready = await phase(handle, 'Ready');
    expect(ready.passes).toBe(1);
    await handle.signal(namespaceDeletedSignal);
    await handle.result();
  });
  expect(count(calls, 'lookAtWaypoint')).toBe(2);
  expect(calls.indexOf('registerWorkload')).toBeLessThan(calls.indexOf('lookAtWaypoint'));
});

test('a waypoint istiod refused is reported with its reason as soon as the watcher tells, without waiting out the bound', async () => {
  const { activities, calls, events } = slowIstiod(() => ({ ready: false, refused: true, reason: 'UnsupportedProtocol', message: 'istiod refused listener mesh: Expected a single listener on port 15008 with protocol "HBONE"' }));
  await withWorker(env, activities, async (taskQueue) => {
    const handle = await start(taskQueue);
    await until(async () => (count(calls, 'ensureWaypointGateway') === 1 ? true : undefined));
    await handle.signal(resourcesChangedSignal, { reason: 'waypoint', waypoint: { ready: false, refused: true } });
    const waiting = await phase(handle, 'Waiting');
    expect(waiting.last?.waiting).toEqual([{ reason: 'WaypointRefused', message: expect.stringContaining('UnsupportedProtocol: istiod refused listener mesh'), series: expect.any(String) }]);
    expect(events.filter((e) => e.type === 'Warning').map((e) => e.reason)).toContain('WaypointRefused');
    await handle.signal(namespaceDeletedSignal);
    await handle.result();
  });
  // One look on the watcher's word; a refusal is final, so no explaining look at the bound.
  expect(calls.filter((c) => c.startsWith('lookAtWaypoint'))).toEqual(['lookAtWaypoint']);
});

test('a waypoint that cannot be scheduled is a waiting state named by the scheduler, with no retry timer, healed by the watcher’s word', async () => {
  let scheduled = false;
  const unschedulable = { ready: false, refused: false, reason: 'WaypointUnschedulable', message: 'Waypoint pod team1-waypoint-0 cannot be scheduled: 0/1 nodes are available: 1 Insufficient cpu.' };
  const { activities, calls } = slowIstiod(() => (scheduled ? { ready: true, refused: false, reason: 'Programmed', message: '' } : unschedulable));
  await withWorker(env, activities, async (taskQueue) => {
    const handle = await start(taskQueue);
    // The bound (60 s) passes with no word from the watcher.
    await env.sleep('65 seconds');
    const waiting = await phase(handle, 'Waiting');
    expect(waiting.last?.waiting).toEqual([expect.objectContaining({ reason: 'WaypointUnschedulable', message: expect.stringContaining('Insufficient cpu') })]);
    expect(waiting.last?.retryAfterSeconds).toBeUndefined();
    // Hours of it cost nothing: no pass, no look.
    await env.sleep('3 hours');
    expect((await handle.query(getStatusQuery)).passes).toBe(1);
    expect(calls.filter((c) => c.startsWith('lookAtWaypoint'))).toEqual(['lookAtWaypoint', 'lookAtWaypoint(explain)']);
    // Capacity came: istiod programs the waypoint and the watcher says so.
    scheduled = true;
    await handle.signal(resourcesChangedSignal, { reason: 'waypoint', waypoint: { ready: true, refused: false } });
    const ready = await phase(handle, 'Ready');
    expect(ready.passes).toBe(2);
    await handle.signal(namespaceDeletedSignal);
    await handle.result();
  });
});

test('a namespace deleted while its pass waits for the waypoint ends the wait at once', async () => {
  const { activities, calls } = slowIstiod(() => NOT_YET);
  await withWorker(env, activities, async (taskQueue) => {
    const handle = await start(taskQueue);
    await until(async () => (count(calls, 'ensureWaypointGateway') === 1 ? true : undefined));
    await handle.signal(namespaceDeletedSignal);
    expect(await handle.result()).toBe('deleted');
  });
  // Neither the look after 5 s nor the one at the bound: the wait ended with the deletion.
  expect(calls.filter((c) => c.startsWith('lookAtWaypoint'))).toEqual([]);
});

test('a waypoint wake runs a pass only when its verdict is news: the same verdict again is not', async () => {
  const { activities } = fakeActivities(fakeCluster());
  await withWorker(env, activities, async (taskQueue) => {
    const handle = await start(taskQueue);
    await until(async () => ((await handle.query(getStatusQuery)).last?.phase === 'Ready' ? true : undefined));
    await handle.signal(resourcesChangedSignal, { reason: 'waypoint', waypoint: { ready: true, refused: false } });
    await env.sleep('5 seconds');
    expect((await handle.query(getStatusQuery)).passes).toBe(1);
    // The waypoint stopped being ready (its pod evicted, say): the status must not go on saying Ready.
    await handle.signal(resourcesChangedSignal, { reason: 'waypoint', waypoint: { ready: false, refused: false } });
    await until(async () => ((await handle.query(getStatusQuery)).passes === 2 ? true : undefined));
    await handle.signal(namespaceDeletedSignal);
    await handle.result();
  });
});

/** A tenant flipping its Gateway's status ten times a second for `seconds`, as the watcher reports it. */
async function flipWaypointStatus(handle: { signal: (s: typeof resourcesChangedSignal, w: object) => Promise<void> }, seconds: number, other = { ready: false, refused: false }) {
  for (let i = 0; i < seconds * 10; i++) {
    await handle.signal(resourcesChangedSignal, { reason: 'waypoint', waypoint: i % 2 === 0 ? { ready: true, refused: false } : other });
    await env.sleep('100 milliseconds');
  }
}

test('a tenant flipping its Gateway’s status buys at most one look a second while a pass waits', async () => {
  const { activities, calls } = slowIstiod(() => NOT_YET);
  await withWorker(env, activities, async (taskQueue) => {
    const handle = await start(taskQueue);
    await until(async () => (count(calls, 'ensureWaypointGateway') === 1 ? true : undefined));
    await flipWaypointStatus(handle, 3);
    await until(async () => (count(calls, 'lookAtWaypoint') >= 1 ? true : undefined));
    // Fifteen flips were news; the looks they bought are spaced a second apart.
    expect(count(calls, 'lookAtWaypoint')).toBeLessThanOrEqual(4);
    await handle.signal(namespaceDeletedSignal);
    await handle.result();
  });
});

test('a tenant flipping its Gateway’s status buys at most one pass every 5 s once the pass ended', async () => {
  const REFUSED = { ready: false, refused: true, reason: 'UnsupportedProtocol', message: 'istiod refused listener mesh' };
  const { activities } = slowIstiod(() => REFUSED);
  await withWorker(env, activities, async (taskQueue) => {
    const handle = await start(taskQueue);
    await handle.signal(resourcesChangedSignal, { reason: 'waypoint', waypoint: { ready: false, refused: true } });
    const before = (await phase(handle, 'Waiting')).passes;
    // Each "ready" is news to a workflow that knows it refused, and each pass ends at once (refused again).
    await flipWaypointStatus(handle, 12, { ready: false, refused: true });
    const after = (await handle.query(getStatusQuery)).passes;
    expect(after - before).toBeGreaterThanOrEqual(1);
    expect(after - before).toBeLessThanOrEqual(3);
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
