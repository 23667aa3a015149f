import { credentialsSecretName } from '../../../model/names';
import { namespaceWorkflowId } from '../../../model/workflow-ids';
import { restart } from '../../../tools/stack/stack';
import { core, createAgentDeployment, createNamespace, readSecretOrUndefined } from '../../harness/cluster';
import { eventually } from '../../harness/eventually';
import { provisionedSuite } from '../../harness/provisioned-suite';
import { testStack, uniqueName } from '../../harness/stack';
import { recordHistoryWhenAsked } from '../../harness/recorded-history';

// The stack's real istiod programs the waypoints.
const provisioner = provisionedSuite();

test('after a kube-apiserver restart the watcher re-lists and misses no change', async () => {
  const before = uniqueName('before');
  await createNamespace(before);
  await createAgentDeployment(before, 'agent');
  const secretName = credentialsSecretName(before, 'agent');
  const original = await eventually(() => readSecretOrUndefined(before, secretName), 20_000, 'the first namespace provisioned');
  expect(provisioner().watcher!.ready()).toBe(true);

  await restart(testStack().dir, 'kube-apiserver');

  // Changes made right after the restart, while the watches are being re-established.
  const after = uniqueName('after');
  await createNamespace(after);
  await createAgentDeployment(after, 'agent');
  await core.deleteNamespacedSecret({ namespace: before, name: secretName });

  await eventually(() => readSecretOrUndefined(after, credentialsSecretName(after, 'agent')), 60_000, 'the new namespace provisioned');
  const recreated = await eventually(async () => {
    const s = await readSecretOrUndefined(before, secretName);
    return s && s.metadata?.uid !== original.metadata?.uid ? s : undefined;
  }, 60_000, 'the deleted Secret recreated');
  expect(recreated.data).toEqual(original.data);
  await recordHistoryWhenAsked(provisioner().client.workflow.getHandle(namespaceWorkflowId(before)), 'provisioned-after-apiserver-restart');
  expect(provisioner().watcher!.stats.restarts).toBeGreaterThan(0);
  expect(provisioner().watcher!.ready()).toBe(true);
}, 180_000);
