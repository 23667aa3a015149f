import { Client, ConnectionLike, WorkflowNotFoundError } from '@temporalio/client';
import pino from 'pino';
import { createActivities } from '../../../activities';
import { readOperatorObjects } from '../../../activities/kubernetes/operator-objects';
import { kubeClients } from '../../../activities/kubernetes/clients';
import { loadSettings } from '../../../config/settings';
import { PRIORITY_KEY } from '../../../model/provisioning';
import { namespaceWorkflowId } from '../../../model/workflow-ids';
import { notifyNamespaceChanged } from '../../../temporal/namespace-workflows';
import { readTaskQueueBacklog } from '../../../temporal/task-queue-backlog';
import { eventually } from '../../harness/eventually';
import { temporalClient, testStack, uniqueName } from '../../harness/stack';

// New work ahead of any backlog, on the real Temporal server of the stack (the dev server here, the
// production profile's server in the production run): no worker polls these task queues, so what
// the tests start stays queued on the server, as it does behind a busy worker.

let client: Client;
let connection: ConnectionLike;
const started: string[] = [];

beforeAll(async () => ({ client, connection } = await temporalClient()));
afterAll(async () => {
  for (const workflowId of started) {
    await client.workflow
      .getHandle(workflowId)
      .terminate('test over')
      .catch((error: unknown) => {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      });
  }
  await connection.close();
});

/** Takes one workflow task off the queue, as a worker would, and says whose it was. */
async function pollOnce(taskQueue: string): Promise<string | undefined> {
  const { namespace } = testStack().temporal;
  const task = await connection.withDeadline(Date.now() + 30_000, () =>
    connection.workflowService.pollWorkflowTaskQueue({ namespace, taskQueue: { name: taskQueue }, identity: 'new-work-first test' }),
  );
  return task.workflowExecution?.workflowId ?? undefined;
}

test("a new agent's workflow task is served ahead of maintenance queued before it", async () => {
  const taskQueue = uniqueName('priority');
  // Sixty workflows queued first: half at maintenance's priority (the audit's), half with none set.
  const QUEUED_FIRST = 60;
  for (let i = 0; i < QUEUED_FIRST; i++) {
    const workflowId = uniqueName('queued-first');
    await client.workflow.start('keycloakAuditWorkflow', { workflowId, taskQueue, args: [], ...(i % 2 === 0 ? { priority: { priorityKey: PRIORITY_KEY.maintenance } } : {}) });
    started.push(workflowId);
  }
  // Then a namespace told of a new agent, exactly as the watcher tells it.
  const namespace = uniqueName('new-agent');
  await notifyNamespaceChanged(client, namespace, taskQueue);
  started.push(namespaceWorkflowId(namespace));

  // Once the server holds them all (its figures count them), workers' polls take them. Each of the
  // queue's four partitions serves its own tasks by priority: the new agent's comes first in its
  // partition, so within the first few polls (measured: 1st to 9th); first come, first served, it
  // would come after the fifteen or so queued before it in its partition.
  await eventually(async () => ((await readTaskQueueBacklog(client, taskQueue)).queued === QUEUED_FIRST + 1 ? true : undefined), 15_000, 'the server to count the queued tasks');
  let position = 0;
  for (let served = 1; served <= QUEUED_FIRST + 1 && position === 0; served++) {
    if ((await pollOnce(taskQueue)) === namespaceWorkflowId(namespace)) position = served;
  }
  console.log(`The new agent's task was served ${position}. of ${QUEUED_FIRST + 1}`);
  expect(position).toBeGreaterThan(0);
  expect(position).toBeLessThanOrEqual(25);
});

test("the audit's wakes wait while new work is queued, and go once it is served", async () => {
  const taskQueue = uniqueName('gate');
  const settings = { ...loadSettings([], {}), kubeconfig: testStack().kubernetes.kubeconfig, taskQueue };
  const k8s = kubeClients(settings.kubeconfig);
  const activities = createActivities({ k8s, settings, log: pino({ level: 'silent' }), temporal: client, operatorObjects: readOperatorObjects(k8s, settings.operatorNamespace) });

  // A new agent's first pass waits on the server for a worker.
  const newAgent = uniqueName('queued-agent');
  await notifyNamespaceChanged(client, newAgent, taskQueue);
  started.push(namespaceWorkflowId(newAgent));
  const repaired = uniqueName('out-of-line');
  started.push(namespaceWorkflowId(repaired));

  // The server's figures are refreshed every few seconds: once they count the task, the audit holds its wake.
  await eventually(async () => ((await readTaskQueueBacklog(client, taskQueue)).newWork > 0 ? true : undefined), 15_000, 'the server to count the queued task');
  expect(await activities.wakeNamespaces({ namespaces: [repaired], reason: 'audit' })).toEqual({ woken: 0 });
  await expect(client.workflow.getHandle(namespaceWorkflowId(repaired)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);

  // A worker takes the new agent's task: the queue is empty, and the wake goes.
  expect(await pollOnce(taskQueue)).toBe(namespaceWorkflowId(newAgent));
  await eventually(async () => ((await activities.wakeNamespaces({ namespaces: [repaired], reason: 'audit' })).woken === 1 ? true : undefined), 15_000, 'the audit to wake the namespace');
  expect((await client.workflow.getHandle(namespaceWorkflowId(repaired)).describe()).status.name).toBe('RUNNING');
});
