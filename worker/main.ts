import { DefaultLogger, LogLevel, Runtime, Worker } from '@temporalio/worker';
import { startHealthServer } from '../config/health-server';
import { createLogger } from '../config/logger';
import { InvalidSettingError, loadSettings } from '../config/settings';
import { connectWorker } from '../config/temporal-connection';
import { createActivities } from '../activities';
import { kubeClients } from '../activities/kubernetes/clients';
import { WORKFLOW_BUNDLE } from './bundle';

const PINO_LEVEL: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * The worker process: runs the prebundled workflows and the activities on the task queue.
 * SIGTERM or SIGINT drains it (the SDK's Runtime handles both) and the process exits 0.
 */
async function main(): Promise<void> {
  const settings = loadSettings();
  const log = createLogger('worker', settings.logLevel);
  log.info({ settings }, 'Effective settings');
  Runtime.install({
    logger: new DefaultLogger('INFO', (entry) => log[PINO_LEVEL[entry.level]]({ ...entry.meta }, entry.message)),
  });

  const connection = await connectWorker(settings);
  const worker = await Worker.create({
    connection,
    namespace: settings.temporalNamespace,
    taskQueue: settings.taskQueue,
    workflowBundle: { codePath: WORKFLOW_BUNDLE },
    activities: createActivities({ k8s: kubeClients(settings.kubeconfig), settings, log }),
  });
  const health = await startHealthServer(settings.healthPort, () => worker.getState() === 'RUNNING');
  log.info({ taskQueue: settings.taskQueue, temporal: settings.temporalAddress }, 'Worker started');
  try {
    await worker.run();
  } finally {
    health.close();
    await connection.close();
    log.info('Worker stopped');
  }
}

main().catch((error: unknown) => {
  if (error instanceof InvalidSettingError) {
    console.error(`error: ${error.message}`);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
});
