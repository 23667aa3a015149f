import type { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createActivities } from '../activities';
import { kubeClients } from '../activities/kubernetes/clients';
import type { Settings } from '../config/settings';
import { WORKFLOW_BUNDLE } from './bundle';

/**
 * The worker of this project: the prebundled workflows and the real activities, on the configured
 * task queue. `client` lets the Keycloak audit wake namespace workflows.
 */
export function createWorker(connection: NativeConnection, client: Client, settings: Settings, log: Logger): Promise<Worker> {
  return Worker.create({
    connection,
    namespace: settings.temporalNamespace,
    taskQueue: settings.taskQueue,
    workflowBundle: { codePath: WORKFLOW_BUNDLE },
    activities: createActivities({ k8s: kubeClients(settings.kubeconfig), settings, log, temporal: client }),
    // Memory is bounded by this, not by the namespaces held: a settled namespace's workflow waits on
    // the server, and is replayed from its history only when it next has work (docs/performance.md).
    maxCachedWorkflows: settings.maxCachedWorkflows,
    // Bursts of namespaces bring bursts of short tasks: let the server's feedback size the pollers.
    workflowTaskPollerBehavior: { type: 'autoscaling' },
    activityTaskPollerBehavior: { type: 'autoscaling' },
  });
}
