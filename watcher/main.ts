import { hostname } from 'node:os';
import { startHealthServer } from '../config/health-server';
import { loadKubeConfig } from '../config/kube-config';
import { createLogger } from '../config/logger';
import { runMain } from '../config/run-main';
import { loadSettings } from '../config/settings';
import { connectClient, temporalAccess } from '../config/temporal-connection';
import { startLeaderElection } from './leader-election';
import { startWatcher, Watcher, watcherOptions } from './watcher';

export const WATCHER_LEASE = 'kagenti-waypoint-watcher';

/**
 * The watcher process: informers → per-namespace workflow notifications. With leader election
 * (the default) only the replica holding the Lease watches; the others stand by, ready to take
 * over. /readyz: a standby is ready; the leader once every informer has listed.
 */
async function main(): Promise<void> {
  const settings = loadSettings();
  const log = createLogger('watcher', settings.logLevel);
  log.info({ settings }, 'Effective settings');
  const kc = loadKubeConfig(settings.kubeconfig);
  const client = await connectClient(settings, await temporalAccess(settings, log));
  const watch = () => startWatcher(kc, client, watcherOptions(settings), log);

  let watcher: Watcher | undefined;
  let stopping = Promise.resolve();
  const election = settings.leaderElect
    ? startLeaderElection(
        kc,
        { namespace: settings.operatorNamespace, name: WATCHER_LEASE, identity: process.env.POD_NAME ?? `${hostname()}-${process.pid}`, leaseDurationSeconds: 15, renewIntervalSeconds: 5 },
        {
          onStartedLeading: () => {
            watcher = watch();
          },
          onStoppedLeading: () => {
            const stopped = watcher;
            watcher = undefined;
            stopping = stopped ? stopped.stop() : stopping;
          },
        },
        log,
      )
    : undefined;
  if (!election) watcher = watch();

  const health = await startHealthServer(
    settings.healthPort,
    () => (watcher ? watcher.ready() : true),
    async () => (watcher ? watcher.metrics.metrics() : '# standby: not leading\n'),
  );
  log.info({ server: kc.getCurrentCluster()?.server, temporal: settings.temporalAddress, leaderElection: settings.leaderElect }, 'Watcher started');

  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await election?.stop();
  await watcher?.stop();
  await stopping;
  health.close();
  await client.connection.close();
  log.info('Watcher stopped');
}

runMain(main);
