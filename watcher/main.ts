import { KubeConfig, VersionApi } from '@kubernetes/client-node';
import { startHealthServer } from '../config/health-server';
import { createLogger } from '../config/logger';
import { InvalidSettingError, loadSettings } from '../config/settings';

/**
 * The watcher process. For now it connects to the cluster and serves its probes; turning cluster
 * events into per-namespace workflow signals is the provisioning issue's work.
 */
async function main(): Promise<void> {
  const settings = loadSettings();
  const log = createLogger('watcher', settings.logLevel);
  log.info({ settings }, 'Effective settings');
  const kc = new KubeConfig();
  if (settings.kubeconfig) kc.loadFromFile(settings.kubeconfig);
  else kc.loadFromCluster();
  const version = await kc.makeApiClient(VersionApi).getCode();
  log.info({ server: kc.getCurrentCluster()?.server, version: version.gitVersion }, 'Connected to Kubernetes');
  const health = await startHealthServer(settings.healthPort, () => true);

  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  health.close();
  log.info('Watcher stopped');
}

main().catch((error: unknown) => {
  if (error instanceof InvalidSettingError) {
    console.error(`error: ${error.message}`);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
});
