import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { msToNumber } from '@temporalio/common/lib/time';
import { SHUTDOWN_FORCE_TIME } from '../../../worker/create-worker';
import { createAgentDeployment, createNamespace } from '../../harness/cluster';
import { eventually } from '../../harness/eventually';
import { provisionedSuite } from '../../harness/provisioned-suite';
import { testStack, uniqueName } from '../../harness/stack';
import { startProvisionerProcess } from '../../harness/worker-process';

// A worker whose every call to the apiserver is refused (a revoked token) keeps retrying its
// workflow's local activities; asked to stop, it must still stop within a pod's grace period (30 s
// by default), or the kubelet kills it. The watcher (in this process) uses the admin's token.
const provisioner = provisionedSuite({ inProcessWorker: false });

test('a worker stuck retrying refused calls stops within the pod grace period on SIGTERM, saying it forced the shutdown', async () => {
  const { dir, kubernetes } = testStack();
  const refused = join(dir, `refused-${uniqueName('token')}.kubeconfig`);
  writeFileSync(refused, readFileSync(kubernetes.kubeconfig, 'utf8').replace(/"token": "[^"]+"/, '"token": "revoked"'), { mode: 0o600 });
  const output: string[] = [];
  const worker = startProvisionerProcess('worker', { ...provisioner().settings, kubeconfig: refused }, output);
  const exitCode = new Promise<number | null>((resolve) => worker.child.once('exit', (code) => resolve(code)));

  const namespace = uniqueName('shutdown');
  await createNamespace(namespace);
  await createAgentDeployment(namespace, 'agent');
  // It is retrying: the apiserver refuses its token.
  await eventually(async () => (output.join('').includes('"code":401') ? true : undefined), 60_000, 'the worker to be refused by the apiserver');

  const asked = Date.now();
  worker.child.kill('SIGTERM');
  const code = await Promise.race([exitCode, new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 35_000))]);
  if (code === 'still running') {
    worker.child.kill('SIGKILL');
    throw new Error('the worker was still running 35 s after SIGTERM (a kubelet would have killed it at 30 s)');
  }
  const seconds = (Date.now() - asked) / 1000;
  console.log(`stopped ${seconds.toFixed(1)} s after SIGTERM (forced at ${SHUTDOWN_FORCE_TIME}), exit code ${code}`);
  expect(seconds).toBeLessThan(30);
  expect(seconds).toBeGreaterThanOrEqual(msToNumber(SHUTDOWN_FORCE_TIME) / 1000 - 1);
  expect(code).toBe(0);
  expect(output.join('')).toContain(`Shutdown forced after ${SHUTDOWN_FORCE_TIME}`);
}, 120_000);
