import { NativeConnection, Worker } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createActivities } from '../activities';
import { kubeClients } from '../activities/kubernetes/clients';
import type { Settings } from '../config/settings';
import { WORKFLOW_BUNDLE } from './bundle';

/** The worker of this project: the prebundled workflows and the real activities, on the configured task queue. */
export function createWorker(connection: NativeConnection, settings: Settings, log: Logger): Promise<Worker> {
  return Worker.create({
    connection,
    namespace: settings.temporalNamespace,
    taskQueue: settings.taskQueue,
    workflowBundle: { codePath: WORKFLOW_BUNDLE },
    activities: createActivities({ k8s: kubeClients(settings.kubeconfig), settings, log }),
    // Bursts of namespaces bring bursts of short tasks: let the server's feedback size the pollers.
    workflowTaskPollerBehavior: { type: 'autoscaling' },
    activityTaskPollerBehavior: { type: 'autoscaling' },
  });
}
