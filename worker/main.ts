import { DefaultLogger, LogLevel, Runtime } from '@temporalio/worker';
import { startHealthServer } from '../config/health-server';
import { createLogger } from '../config/logger';
import { runMain } from '../config/run-main';
import { loadSettings } from '../config/settings';
import { connectClient, connectWorker } from '../config/temporal-connection';
import { namespaceOfWorkflowId } from '../model/workflow-ids';
import { createWorker } from './create-worker';

const PINO_LEVEL: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * SDK log lines carry the workflow id and the Temporal namespace as `namespace`; here `namespace`
 * is the Kubernetes namespace, as in the activities' own lines, read from the workflow id.
 */
function withKubernetesNamespace(meta: Record<string, unknown> = {}): Record<string, unknown> {
  const { namespace: temporalNamespace, ...rest } = meta;
  const namespace = typeof meta.workflowId === 'string' ? namespaceOfWorkflowId(meta.workflowId) : undefined;
  return { ...rest, ...(temporalNamespace ? { temporalNamespace } : {}), ...(namespace ? { namespace } : {}) };
}

/**
 * The worker process: runs the prebundled workflows and the activities on the task queue.
 * SIGTERM or SIGINT drains it (the SDK's Runtime handles both) and the process exits 0.
 */
async function main(): Promise<void> {
  const settings = loadSettings();
  const log = createLogger('worker', settings.logLevel);
  log.info({ settings }, 'Effective settings');
  Runtime.install({
    logger: new DefaultLogger('INFO', (entry) => log[PINO_LEVEL[entry.level]](withKubernetesNamespace(entry.meta), entry.message)),
    // The SDK's own metrics and the ones workflows and activities record (kagenti_*).
    telemetryOptions: settings.metricsPort ? { metrics: { prometheus: { bindAddress: `0.0.0.0:${settings.metricsPort}`, useSecondsForDurations: true } } } : undefined,
  });

  const connection = await connectWorker(settings);
  const client = await connectClient(settings);
  const worker = await createWorker(connection, client, settings, log);
  const health = await startHealthServer(settings.healthPort, () => worker.getState() === 'RUNNING');
  log.info({ taskQueue: settings.taskQueue, temporal: settings.temporalAddress }, 'Worker started');
  try {
    await worker.run();
  } finally {
    health.close();
    await client.connection.close();
    await connection.close();
    log.info('Worker stopped');
  }
}

runMain(main);
