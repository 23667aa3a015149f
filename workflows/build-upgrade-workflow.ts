import { continueAsNew, setCurrentDetails, setWorkflowOptions, sleep, workflowInfo } from '@temporalio/workflow';
import { activities, withSummary } from './activity-proxies';
import { newerBuildIsTarget, PINNED } from './worker-version';

export interface BuildUpgradeInput {
  deploymentName: string;
  /** The build that became current: every namespace workflow on another build moves onto it. */
  buildId: string;
  /** Namespaces woken per second at most (--maintenance-per-second). */
  wakesPerSecond: number;
  /** Namespaces woken so far, carried over continue-as-new. */
  woken?: number;
}

/** How long the server's visibility store may take to show that a woken workflow moved. */
const VISIBILITY_LAG = '5 seconds';

/** Continue-as-new past this many events: each second of waking is about ten. */
const HISTORY_LIMIT = 2_000;

export type BuildUpgradeResult = { outcome: 'done' | 'superseded'; woken: number };

/**
 * Moves every namespace onto the build that just became current (id `build-upgrade/<deployment>/...`,
 * started by that build's workers; a rollback to an older build is an upgrade to it). A namespace
 * workflow is pinned to the build it started on; woken with `upgrade`, it sees that its target
 * changed and continues-as-new onto the current build between two passes, with no pass of its
 * own. Wakes are maintenance: at most `wakesPerSecond`, none while new work waits. The Keycloak
 * audit is told to move at once (it would at its next round). Migrations are left alone: they
 * finish on the build they started with. Ends when no namespace is on another build, or when
 * another build becomes current (whose workers start their own).
 */
export async function buildUpgradeWorkflow(input: BuildUpgradeInput): Promise<BuildUpgradeResult> {
  const { deploymentName, buildId } = input;
  let woken = input.woken ?? 0;
  // The audit moves at the top of its round; told now, it does not hold the old build until then.
  if (input.woken === undefined && !newerBuildIsTarget()) await withSummary(activities.moveAuditToCurrentBuild, `Tell the Keycloak audit to move to build ${buildId}`, []);
  for (;;) {
    if (newerBuildIsTarget()) return { outcome: 'superseded', woken };
    const behind = await withSummary(activities.listNamespacesOnOtherBuilds, `List namespaces not on build ${buildId}`, [{ deploymentName, buildId }]);
    setCurrentDetails(`**Upgrade to build ${buildId}**: ${behind.length} namespace(s) on other builds, ${woken} woken so far`);
    if (behind.length === 0) return { outcome: 'done', woken };
    while (behind.length > 0) {
      const batch = behind.splice(0, input.wakesPerSecond);
      const told = await withSummary(activities.wakeNamespaces, `Tell ${batch.length} namespace(s) to move to build ${buildId} (${behind.length} more listed)`, [{ namespaces: batch, reason: 'upgrade' }]);
      woken += told.woken;
      // None told: the servers have no room for maintenance now; the batch waits for the next second.
      behind.unshift(...batch.slice(told.woken));
      await sleep('1 second');
      if (newerBuildIsTarget()) return { outcome: 'superseded', woken };
    }
    // The woken move between passes: a namespace in a pass is listed again and told again.
    await sleep(VISIBILITY_LAG);
    if (workflowInfo().historyLength > HISTORY_LIMIT) await continueAsNew<typeof buildUpgradeWorkflow>({ ...input, woken });
  }
}
// Pinned like the rest; it ends rather than move when yet another build becomes current.
setWorkflowOptions(PINNED, buildUpgradeWorkflow);
