import { msToNumber } from '@temporalio/common/lib/time';
import { DefaultLogger, LogLevel, Runtime } from '@temporalio/worker';
import { startHealthServer } from '../config/health-server';
import { createLogger } from '../config/logger';
import { runMain } from '../config/run-main';
import { loadSettings } from '../config/settings';
import { connectClient, connectWorker, temporalAccess } from '../config/temporal-connection';
import { namespaceOfWorkflowId } from '../model/workflow-ids';
import { keepBuildInPlace } from './build-keeper';
import { createWorker, SHUTDOWN_FORCE_TIME } from './create-worker';

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
 * When SIGTERM or SIGINT first came (the SDK's Runtime handles both and shuts the worker down), so
 * that the end of a shutdown it forced can be told from a failure.
 */
function shutdownClock(forceMs: number): { forced(): boolean } {
  let requestedAt: number | undefined;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => (requestedAt ??= Date.now()));
  return { forced: () => requestedAt !== undefined && Date.now() - requestedAt >= forceMs };
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

  const shutdownRequested = shutdownClock(msToNumber(SHUTDOWN_FORCE_TIME));
  const access = await temporalAccess(settings, log);
  const connection = await connectWorker(settings, access);
  const client = await connectClient(settings, access);
  const { worker, run } = await createWorker(connection, client, settings, log);
  const health = await startHealthServer(settings.healthPort, () => worker.getState() === 'RUNNING');
  const buildKeeper = settings.workerBuildId ? keepBuildInPlace(client, settings, log) : undefined;
  log.info({ taskQueue: settings.taskQueue, temporal: settings.temporalAddress, deployment: settings.workerBuildId ? settings.workerDeployment : undefined, buildId: settings.workerBuildId || undefined }, 'Worker started');
  let forced = false;
  try {
    await run();
  } catch (error) {
    // A shutdown that reached SHUTDOWN_FORCE_TIME ends with the SDK's error of the moment (its
    // GracefulShutdownPeriodExpiredError, or an IllegalStateError from disposing workflows still in
    // flight): the process stops as asked, within the pod's grace period, and exits 0.
    if (!shutdownRequested.forced()) throw error;
    forced = true;
    log.warn({ sdkError: (error as Error).message }, `Shutdown forced after ${SHUTDOWN_FORCE_TIME}: unfinished tasks are retried by another worker`);
  } finally {
    buildKeeper?.stop();
    health.close();
    await client.connection.close();
    await connection.close();
    log.info('Worker stopped');
  }
  // After a forced shutdown the SDK's native threads may not end by themselves.
  if (forced) process.exit(0);
}

runMain(main);
