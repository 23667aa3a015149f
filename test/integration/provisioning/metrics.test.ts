import { credentialsSecretName } from '../../../model/names';
import { freePort } from '../../../tools/stack/ports';
import { createAgentDeployment, createNamespace, readSecretOrUndefined } from '../../harness/cluster';
import { eventually } from '../../harness/eventually';
import { startProvisioner, TestProvisioner } from '../../harness/provisioner';
import { uniqueName } from '../../harness/stack';
import { startWorkerProcess, WorkerProcess } from '../../harness/worker-process';

let provisioner: TestProvisioner;
let worker: WorkerProcess;
let metricsPort: number;

beforeAll(async () => {
  provisioner = await startProvisioner({ inProcessWorker: false });
  metricsPort = await freePort();
  worker = startWorkerProcess(provisioner.settings, [], { METRICS_PORT: String(metricsPort) });
});
afterAll(async () => {
  worker?.child.kill('SIGTERM');
  await worker?.exited;
  await provisioner?.stop();
});

test('the worker exports SDK metrics and pass and Keycloak metrics; the watcher its own', async () => {
  const namespace = uniqueName('metrics');
  await createNamespace(namespace);
  await createAgentDeployment(namespace, 'agent');
  await eventually(() => readSecretOrUndefined(namespace, credentialsSecretName(namespace, 'agent')), 30_000, 'provisioning');

  const text = await eventually(async () => {
    const body = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    return /kagenti_provisioning_passes\{[^}]*phase="Ready"[^}]*\} [1-9]/.test(body) ? body : undefined;
  }, 30_000, 'a Ready pass counted');
  expect(text).toMatch(/kagenti_provisioning_pass_duration_bucket\{/);
  expect(text).toMatch(/kagenti_keycloak_call_duration_bucket\{/);
  expect(text).toMatch(/temporal_workflow_task_execution_latency/);

  const watcherText = await provisioner.watcher!.metrics.metrics();
  expect(watcherText).toMatch(/kagenti_watcher_notifications_total [1-9]/);
  expect(watcherText).toMatch(/kagenti_watcher_backlog \d/);
});
