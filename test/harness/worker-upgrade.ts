import type { Client, WorkflowHandle } from '@temporalio/client';
import { namespaceWorkflowId } from '../../model/workflow-ids';
import { describeDeployment, namespacesOnOtherBuilds } from '../../temporal/worker-deployment';
import { ensureIstioFootprint } from '../../tools/local/istio-footprint';
import { NEXT_BUILD_BUNDLE } from './bundle-fixtures';
import { allCredentialsSecrets, createAgentDeployment, createNamespace } from './cluster';
import { eventually } from './eventually';
import { awaitingGate, createSidecarNamespace, projectCli, startMigration } from './migration';
import { provisionedSuite } from './provisioned-suite';
import type { TestProvisioner } from './provisioner';
import { recordHistoryWhenAsked } from './recorded-history';
import { adminKubeConfig, uniqueName } from './stack';
import { startWorkerProcess, WorkerProcess } from './worker-process';

/**
 * For a test file of either profile: two builds of the worker on the stack's real Temporal server
 * (worker versioning needs server 1.32's upgrade on continue-as-new), with the real watcher,
 * Kubernetes, istiod and Keycloak. Build B's namespace workflow differs in shape from build A's
 * (test/fixtures/next-build): replaying one of A's histories on B fails. Only a kubelet (kwok) and
 * Istio's data plane (the migration's preflight looks for ztunnel) are played.
 */
export function workerUpgradeSuite(): void {
  // The audit runs, with an interval no test waits for: it moves to B only because the upgrade tells it.
  const provisioner = provisionedSuite({ inProcessWorker: false, settings: { keycloakAuditIntervalSeconds: 3600 } });
  beforeAll(async () => {
    await ensureIstioFootprint(adminKubeConfig());
  });
  test('an upgrade from build A to build B: namespaces move to B between passes, a waiting migration finishes on A, A is drained and stopped', () => upgradeFromAToB(provisioner()), 600_000);
}

const A = 'build-a';
const B = 'build-b';

async function createAgents(namespaces: string[]): Promise<void> {
  await Promise.all(namespaces.map(async (ns) => {
    await createNamespace(ns);
    await createAgentDeployment(ns, 'agent');
  }));
}

/** The build a workflow's run is pinned to, as the server says. */
async function buildOf(handle: WorkflowHandle): Promise<string | undefined> {
  const described = await handle.describe();
  return described.raw.workflowExecutionInfo?.versioningInfo?.deploymentVersion?.buildId ?? undefined;
}

async function buildsOf(client: Client, namespaces: string[]): Promise<Record<string, string | undefined>> {
  const builds: Record<string, string | undefined> = {};
  for (const ns of namespaces) builds[ns] = await buildOf(client.workflow.getHandle(namespaceWorkflowId(ns)));
  return builds;
}

/** Every workflow task that failed in any run on the task queue (a non-determinism error is one). */
async function failedWorkflowTasks(client: Client, taskQueue: string): Promise<string[]> {
  const failed: string[] = [];
  for await (const execution of client.workflow.list({ query: `TaskQueue = '${taskQueue}'` })) {
    const history = await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
    for (const event of history.events ?? []) {
      const failure = event.workflowTaskFailedEventAttributes;
      if (failure) failed.push(`${execution.workflowId}: ${failure.failure?.message ?? failure.cause}`);
    }
  }
  return failed;
}

const stop = async (worker: WorkerProcess | undefined) => {
  if (!worker || worker.child.exitCode !== null) return;
  worker.child.kill('SIGTERM');
  await worker.exited;
};

async function upgradeFromAToB({ settings, client }: TestProvisioner): Promise<void> {
  const deployment = uniqueName('kwp');
  const buildEnv = (buildId: string, bundle?: string) => ({
    WORKER_DEPLOYMENT: deployment,
    WORKER_BUILD_ID: buildId,
    ...(bundle ? { WORKFLOW_BUNDLE_PATH: bundle } : {}),
  });
  const current = async () => (await describeDeployment(client, deployment))?.current;
  const prefix = uniqueName('upg');
  const settled = Array.from({ length: 6 }, (_, i) => `${prefix}-s${i}`);
  let a: WorkerProcess | undefined;
  let b: WorkerProcess | undefined;
  try {
    // Build A alone: it makes itself current the first time it polls.
    a = startWorkerProcess(settings, [], buildEnv(A));
    await eventually(async () => ((await current()) === A ? true : undefined), 60_000, 'build A to become current');
    await createAgents(settled);
    await allCredentialsSecrets(settled, 120_000);
    expect(Object.values(await buildsOf(client, settled))).toEqual(settled.map(() => A));

    // A migration started on A, waiting for its first approval.
    const migrating = await createSidecarNamespace(['alpha'], 'upgm');
    const migration = await startMigration(client, settings.taskQueue, { namespace: migrating });
    await awaitingGate(migration, 'preflight');
    expect(await buildOf(migration)).toBe(A);

    // Build B starts beside A and makes itself current; its workers start the upgrade.
    b = startWorkerProcess(settings, [], buildEnv(B, NEXT_BUILD_BUNDLE));
    await eventually(async () => ((await current()) === B ? true : undefined), 60_000, 'build B to become current');
    const upgradeFrom = Date.now();

    // New agents during the upgrade are provisioned as usual, on B.
    const fresh = [`${prefix}-n0`, `${prefix}-n1`];
    const freshFrom = Date.now();
    await createAgents(fresh);
    await allCredentialsSecrets(fresh, 60_000);
    console.log(`New agents during the upgrade: credentials Secrets in ${((Date.now() - freshFrom) / 1000).toFixed(1)} s`);
    expect(Object.values(await buildsOf(client, fresh))).toEqual(fresh.map(() => B));

    // Every settled namespace moves onto B, without a pass.
    await eventually(async () => {
      // A history replayed on a build that did not start it fails its workflow task: said at once.
      const failed = await failedWorkflowTasks(client, settings.taskQueue);
      if (failed.length > 0) throw new Error(`workflow tasks failed: ${failed.join('; ')}`);
      return Object.values(await buildsOf(client, settled)).every((build) => build === B) ? true : undefined;
    }, 120_000, 'every namespace to move onto build B');
    console.log(`${settled.length} settled namespaces on build B ${((Date.now() - upgradeFrom) / 1000).toFixed(1)} s after it became current`);
    for (const ns of settled) {
      const status = await client.workflow.getHandle(namespaceWorkflowId(ns)).query<{ pending: boolean }>('getStatus');
      expect({ ns, pending: status.pending }).toEqual({ ns, pending: false });
    }

    // The project CLI says A may not be stopped yet: its migration runs there.
    const builds = async () => (await projectCli(settings.taskQueue, ['builds', '--worker-deployment', deployment])).stdout;
    const row = (build: string, status: string, runs: string, canStop: 'yes' | 'no') => new RegExp(`^${build}\\s+${status}\\s+${runs}\\s+${canStop}$`, 'm');
    await eventually(async () => ((await builds()).match(row(A, 'draining', '0\\s+1\\s+0\\s+0', 'no')) ? true : undefined), 30_000, 'builds to show the migration on A');

    // The migration stayed on A, and is approved to its end there.
    expect(await buildOf(migration)).toBe(A);
    for (const gate of ['preflight', 'snapshot', 'prepare', 'wave-1', 'cleanup']) {
      await awaitingGate(migration, gate);
      await projectCli(settings.taskQueue, ['approve', migrating, '--gate', gate]);
    }
    expect(await migration.result()).toEqual({ outcome: 'completed' });
    expect(await buildOf(migration)).toBe(A);
    // The shapes this test makes: a namespace's run on A that moved onto B, and the upgrade that told it.
    const movedRun = (await client.workflow.getHandle(namespaceWorkflowId(settled[0])).describe()).raw.workflowExecutionInfo?.firstRunId;
    if (movedRun) await recordHistoryWhenAsked(client.workflow.getHandle(namespaceWorkflowId(settled[0]), movedRun), 'namespace-moved-to-next-build');
    const upgrades = [];
    for await (const upgrade of client.workflow.list({ query: `WorkflowType = 'buildUpgradeWorkflow' AND TaskQueue = '${settings.taskQueue}'` })) upgrades.push(upgrade);
    const toB = upgrades.find((upgrade) => upgrade.workflowId.includes(`/${B}/`));
    expect(toB).toBeDefined();
    const upgradeToB = client.workflow.getHandle(toB!.workflowId, toB!.runId);
    expect(await upgradeToB.result()).toEqual({ outcome: 'done', woken: expect.any(Number) });
    await recordHistoryWhenAsked(upgradeToB, 'build-upgrade-done');

    // Nothing left on A: it can be stopped, and new work goes on on B.
    expect(await namespacesOnOtherBuilds(client, deployment, B, 100)).toEqual([]);
    await eventually(async () => ((await builds()).match(row(A, '\\w+', '0\\s+0\\s+0\\s+0', 'yes')) ? true : undefined), 30_000, 'builds to say A may be stopped');
    expect(await builds()).toMatch(row(B, 'current', '\\d+\\s+0\\s+1\\s+\\d+', 'no'));
    await stop(a);
    const after = [`${prefix}-m0`];
    await createAgents(after);
    await allCredentialsSecrets(after, 60_000);

    // No workflow task failed anywhere: no history was replayed on a build that did not start it.
    expect(await failedWorkflowTasks(client, settings.taskQueue)).toEqual([]);
  } finally {
    await stop(a);
    await stop(b);
  }
}
