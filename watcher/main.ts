import { KubeConfig } from '@kubernetes/client-node';
import { startHealthServer } from '../config/health-server';
import { createLogger } from '../config/logger';
import { runMain } from '../config/run-main';
import { loadSettings } from '../config/settings';
import { connectClient } from '../config/temporal-connection';
import { startWatcher } from './watcher';

/** The watcher process: informers → per-namespace workflow notifications; /readyz once every informer has listed. */
async function main(): Promise<void> {
  const settings = loadSettings();
  const log = createLogger('watcher', settings.logLevel);
  log.info({ settings }, 'Effective settings');
  const kc = new KubeConfig();
  if (settings.kubeconfig) kc.loadFromFile(settings.kubeconfig);
  else kc.loadFromCluster();
  const client = await connectClient(settings);
  const watcher = startWatcher(kc, client, { taskQueue: settings.taskQueue, resyncIntervalSeconds: settings.resyncIntervalSeconds }, log);
  const health = await startHealthServer(settings.healthPort, () => watcher.ready());
  log.info({ server: kc.getCurrentCluster()?.server, temporal: settings.temporalAddress }, 'Watcher started');

  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await watcher.stop();
  health.close();
  await client.connection.close();
  log.info('Watcher stopped');
}

runMain(main);
