import type { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createActivities } from '../activities';
import { kubeClients } from '../activities/kubernetes/clients';
import { watchedOperatorObjects } from '../activities/kubernetes/operator-objects';
import type { Settings } from '../config/settings';
import { WORKFLOW_BUNDLE } from './bundle';

export const SHUTDOWN_GRACE_TIME = '10s';
export const SHUTDOWN_FORCE_TIME = '25s';

/** A worker, and how to run it: `run()` ends the worker's own watches once the worker has stopped. */
export interface ProvisionerWorker {
  worker: Worker;
  run(): Promise<void>;
}

/**
 * The worker of this project: the prebundled workflows and the real activities, on the configured
 * task queue. `client` lets the Keycloak audit wake namespace workflows.
 */
export async function createWorker(connection: NativeConnection, client: Client, settings: Settings, log: Logger): Promise<ProvisionerWorker> {
  const k8s = kubeClients(settings.kubeconfig);
  const operatorObjects = watchedOperatorObjects(k8s, settings.operatorNamespace);
  const worker = await Worker.create({
    connection,
    namespace: settings.temporalNamespace,
    taskQueue: settings.taskQueue,
    workflowBundle: { codePath: WORKFLOW_BUNDLE },
    activities: createActivities({ k8s, settings, log, temporal: client, operatorObjects }),
    // Memory is bounded by this, not by the namespaces held: a settled namespace's workflow waits on
    // the server, and is replayed from its history only when it next has work (docs/performance.md).
    maxCachedWorkflows: settings.maxCachedWorkflows,
    // A build id makes the worker one build of its deployment: each workflow runs on the build that
    // started it (every type is pinned, workflows/worker-version.ts), never replayed on another.
    ...(settings.workerBuildId
      ? { workerDeploymentOptions: { useWorkerVersioning: true, version: { deploymentName: settings.workerDeployment, buildId: settings.workerBuildId }, defaultVersioningBehavior: 'PINNED' as const } }
      : {}),
    // Bursts of namespaces bring bursts of short tasks: let the server's feedback size the pollers.
    workflowTaskPollerBehavior: { type: 'autoscaling' },
    activityTaskPollerBehavior: { type: 'autoscaling' },
    // A pod has 30 s from SIGTERM to SIGKILL (Kubernetes' default grace period). Running activities
    // are cancelled 10 s into a shutdown (their waits notice it). A workflow task that keeps
    // retrying local activities (the apiserver refusing the token, say) would hold the drain for
    // minutes, so at 25 s the worker gives up: what it had not finished is retried elsewhere, as
    // after a crash.
    shutdownGraceTime: SHUTDOWN_GRACE_TIME,
    shutdownForceTime: SHUTDOWN_FORCE_TIME,
  });
  return { worker, run: () => worker.run().finally(() => operatorObjects.close()) };
}
