import { namespaceWorkflowId, TASK_QUEUE } from '../../../model/workflow-ids';
import { getStatusQuery, resourcesChangedSignal } from '../../../workflows/messages';
import { credentialsSecretName } from '../../../model/names';
import { apps, core, createAgentDeployment, createNamespace, readGateway, readSecretOrUndefined } from '../../harness/cluster';
import { eventually } from '../../harness/eventually';
import { provisionedSuite } from '../../harness/provisioned-suite';
import { uniqueName } from '../../harness/stack';
import { recordHistoryWhenAsked } from '../../harness/recorded-history';

// The stack's real istiod programs the waypoints.
const provisioner = provisionedSuite({ settings: { removeWhenEmpty: true } });

test('a namespace labelled kagenti.io/type=agent is prepared before its first agent arrives', async () => {
  const namespace = uniqueName('optin');
  await createNamespace(namespace, { 'kagenti.io/type': 'agent' });
  await eventually(() => readGateway(namespace, `${namespace}-waypoint`), 20_000, 'the Gateway');
  const ns = await core.readNamespace({ name: namespace });
  expect(ns.metadata?.labels).toMatchObject({ 'istio.io/dataplane-mode': 'ambient', 'kagenti.io/type': 'agent' });
});

test('a StatefulSet agent gets its client, Secret and annotation too', async () => {
  const namespace = uniqueName('sts');
  await createNamespace(namespace);
  await apps.createNamespacedStatefulSet({
    namespace,
    body: {
      metadata: { name: 'memory-agent' },
      spec: {
        serviceName: 'memory-agent',
        replicas: 1,
        selector: { matchLabels: { app: 'memory-agent' } },
        template: { metadata: { labels: { app: 'memory-agent', 'kagenti.io/type': 'agent' } }, spec: { containers: [{ name: 'agent', image: 'example.invalid/agent:1' }] } },
      },
    },
  });
  const name = credentialsSecretName(namespace, 'memory-agent');
  const secret = await eventually(() => readSecretOrUndefined(namespace, name), 20_000, 'the Secret');
  expect(secret.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'StatefulSet', name: 'memory-agent' });
  await eventually(async () => {
    const s = await apps.readNamespacedStatefulSet({ namespace, name: 'memory-agent' });
    return s.spec?.template?.metadata?.annotations?.['kagenti.io/keycloak-client-credentials-secret-name'] === name ? true : undefined;
  }, 20_000, 'the annotation');
});

test('with --remove-when-empty, the last agent leaving removes the Gateway and the labels, and the workflow ends', async () => {
  const namespace = uniqueName('empty');
  await createNamespace(namespace, { team: 'x' });
  await createAgentDeployment(namespace, 'agent');
  await eventually(() => readSecretOrUndefined(namespace, credentialsSecretName(namespace, 'agent')), 20_000, 'provisioning');
  const handle = provisioner().client.workflow.getHandle(namespaceWorkflowId(namespace));
  const firstRun = (await handle.describe()).runId;

  await apps.deleteNamespacedDeployment({ namespace, name: 'agent' });
  await eventually(async () => ((await readGateway(namespace, `${namespace}-waypoint`)) ? undefined : true), 30_000, 'the Gateway to be removed');
  const labels = await eventually(async () => {
    const ns = await core.readNamespace({ name: namespace });
    return ns.metadata?.labels?.['istio.io/dataplane-mode'] === undefined ? ns.metadata?.labels : undefined;
  }, 30_000, 'the ambient labels to be removed');
  expect(labels?.['istio.io/use-waypoint']).toBeUndefined();
  expect(labels?.team).toBe('x');
  expect(await provisioner().client.workflow.getHandle(namespaceWorkflowId(namespace), firstRun).result()).toBe('idle');
  await recordHistoryWhenAsked(provisioner().client.workflow.getHandle(namespaceWorkflowId(namespace), firstRun), 'last-agent-left');
});

test('the workflow continues as new when its history grows, carrying its state', async () => {
  const namespace = uniqueName('long');
  await createNamespace(namespace);
  await createAgentDeployment(namespace, 'agent');
  const handle = await provisioner().client.workflow.signalWithStart('namespaceWorkflow', {
    workflowId: namespaceWorkflowId(namespace),
    taskQueue: provisioner().settings.taskQueue ?? TASK_QUEUE,
    args: [{ namespace, historyLimit: 120 }],
    signal: resourcesChangedSignal,
    signalArgs: [{}],
  });
  const firstRun = (await handle.describe()).runId;
  for (let i = 0; i < 12; i++) {
    await handle.signal(resourcesChangedSignal, { reason: 'change' });
    await eventually(async () => ((await handle.query(getStatusQuery)).pending ? undefined : true), 20_000, 'the pass');
  }
  const latest = provisioner().client.workflow.getHandle(namespaceWorkflowId(namespace));
  const description = await latest.describe();
  expect(description.runId).not.toBe(firstRun);
  expect(description.historyLength).toBeLessThan(200);
  const status = await latest.query(getStatusQuery);
  expect(status.passes).toBeGreaterThanOrEqual(10);
  expect(status.last?.phase).toBe('Ready');
  await recordHistoryWhenAsked(provisioner().client.workflow.getHandle(namespaceWorkflowId(namespace), firstRun), 'continued-as-new');
});
