import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Settings } from '../config/settings';
import { startBuildUpgrade } from '../temporal/build-upgrade';
import { describeDeployment, makeBuildCurrent } from '../temporal/worker-deployment';

/** How often a worker looks at its deployment: a new current build is acted on within this. */
const LOOK_EVERY_MS = 10_000;

/**
 * Keeps this build's place in its worker deployment (worker/README.md, "Builds"):
 * - with --promote-new-build, makes it current once its workers poll, if it was never current or
 *   ramping: a new build takes over by itself; an older one that restarts never takes over again
 *   (bringing it back is a person's rollback: `temporal worker deployment set-current-version`);
 * - whenever it is current, starts the upgrade that moves every namespace onto it, once for each
 *   time it became current.
 */
export function keepBuildInPlace(client: Client, settings: Settings, log: Logger): { stop(): void } {
  const { workerDeployment: deploymentName, workerBuildId: buildId } = settings;
  let upgradedFor: number | undefined;
  const look = async () => {
    const deployment = await describeDeployment(client, deploymentName);
    const mine = deployment?.builds.find((build) => build.buildId === buildId);
    // Not registered yet: the server knows a build once its workers have polled.
    if (!deployment || !mine) return;
    if (deployment.current !== buildId) {
      if (!settings.promoteNewBuild || mine.firstActivation) return;
      await makeBuildCurrent(client, deploymentName, buildId, `worker ${buildId}`);
      log.info({ deployment: deploymentName, buildId, previous: deployment.current ?? null }, 'Made this build current');
      return look();
    }
    const since = deployment.currentSince ?? new Date(0);
    if (upgradedFor === since.getTime()) return;
    const started = await startBuildUpgrade(client, settings.taskQueue, { deploymentName, buildId, wakesPerSecond: settings.maintenancePerSecond }, since);
    upgradedFor = since.getTime();
    if (started) log.info({ deployment: deploymentName, buildId, currentSince: since }, 'Started moving every namespace onto this build');
  };
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const loop = async () => {
    try {
      await look();
    } catch (error) {
      log.warn({ deployment: deploymentName, buildId, error: (error as Error).message }, 'Could not look at the worker deployment; trying again');
    }
    if (!stopped) timer = setTimeout(loop, LOOK_EVERY_MS);
  };
  timer = setTimeout(loop, 1_000);
  return {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
