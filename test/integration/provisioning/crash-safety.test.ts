import { temporal } from '@temporalio/proto';
import { audienceScopeName, credentialsSecretName } from '../../../model/names';
import { namespaceWorkflowId } from '../../../model/workflow-ids';
import { allCredentialsSecrets, apps, changeCounts, core, createAgentDeployment, createNamespace, custom, decode } from '../../harness/cluster';
import { eventually } from '../../harness/eventually';
import { keycloakAdmin, uniqueName } from '../../harness/stack';
import { findSecrets, scanHistories } from '../../harness/secret-scan';
import { killableWorkerSuite } from '../../harness/worker-process';

const NAMESPACES = 50;
const KILLS = 4;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// The stack's real istiod programs the waypoints.
const { output, killAndRestartWorker, provisioner, workerIdentity } = killableWorkerSuite();

/** Activities `identity` has started and not finished in `namespaces`' workflows, as the server sees them now. */
async function startedBy(identity: string, namespaces: string[]): Promise<string[]> {
  const descriptions = await Promise.all(namespaces.map((ns) => provisioner().client.workflow.getHandle(namespaceWorkflowId(ns)).describe().catch(() => undefined)));
  return descriptions.flatMap((description) =>
    (description?.raw.pendingActivities ?? [])
      .filter((a) => a.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED && a.lastWorkerIdentity === identity)
      .map((a) => `${a.activityType!.name} of ${description!.workflowId}`),
  );
}

test(`a ${NAMESPACES}-namespace burst completes exactly once while the worker is SIGKILLed ${KILLS} times`, async () => {
  const prefix = uniqueName('crash');
  const namespaces = Array.from({ length: NAMESPACES }, (_, i) => `${prefix}-${i}`);
  const creating = (async () => {
    for (let i = 0; i < namespaces.length; i += 10) {
      await Promise.all(
        namespaces.slice(i, i + 10).map(async (ns) => {
          await createNamespace(ns);
          await createAgentDeployment(ns, 'agent');
        }),
      );
    }
  })();

  // Kill the worker at random moments of the burst, each while it runs an activity (the server
  // still shows it started by the dead worker), and start a new one each time. A kill that came just
  // after its activity ended has not landed: it is not counted, and another follows.
  const landed: string[] = [];
  for (let kills = 0; landed.length < KILLS; kills++) {
    expect(kills).toBeLessThan(KILLS * 4);
    await sleep(500 + Math.random() * 1500);
    await eventually(async () => ((await startedBy(workerIdentity(), namespaces)).length > 0 ? true : undefined), 60_000, 'an activity in flight');
    await killAndRestartWorker(async (identity) => {
      const inFlight = await startedBy(identity, namespaces);
      if (inFlight.length > 0) landed.push(inFlight[0]);
    });
  }
  await creating;
  console.log(`Each SIGKILL landed with an activity in flight on the killed worker: ${landed.join('; ')}`);
  expect(landed).toHaveLength(KILLS);

  const secretNames = new Map(namespaces.map((ns) => [ns, credentialsSecretName(ns, 'agent')]));
  await allCredentialsSecrets(namespaces, 240_000);

  const admin = await keycloakAdmin();
  const scopes = await admin.clientScopes.find();
  const realmDefaults = (await admin.clientScopes.listDefaultClientScopes()).map((s) => s.name);
  const [platform] = await admin.clients.find({ clientId: 'kagenti' });
  const platformDefaults = (await admin.clients.listDefaultClientScopes({ id: platform.id! })).map((s) => s.name);
  const clientSecrets: string[] = [];
  for (const ns of namespaces) {
    // Exactly one client, one audience scope (once among the platform client's defaults, not a realm default), and a Secret that matches the client.
    const clients = await admin.clients.find({ clientId: `${ns}/agent` });
    expect(clients).toHaveLength(1);
    expect(scopes.filter((s) => s.name === audienceScopeName(ns, 'agent'))).toHaveLength(1);
    expect(platformDefaults.filter((name) => name === audienceScopeName(ns, 'agent'))).toHaveLength(1);
    expect(realmDefaults).not.toContain(audienceScopeName(ns, 'agent'));
    const secret = await core.readNamespacedSecret({ namespace: ns, name: secretNames.get(ns)! });
    const clientSecret = (await admin.clients.getClientSecret({ id: clients[0].id! })).value!;
    expect(decode(secret.data!['client-secret.txt'])).toBe(clientSecret);
    clientSecrets.push(clientSecret);

    // No stray object: one Gateway, one managed Secret, the annotation naming that Secret.
    const gateways = (await custom.listNamespacedCustomObject({ group: 'gateway.networking.k8s.io', version: 'v1', namespace: ns, plural: 'gateways' })) as { items: unknown[] };
    expect(gateways.items).toHaveLength(1);
    const managed = await core.listNamespacedSecret({ namespace: ns, labelSelector: 'app.kubernetes.io/managed-by=kagenti-waypoint-provisioner' });
    expect(managed.items).toHaveLength(1);
    await eventually(async () => {
      const d = await apps.readNamespacedDeployment({ namespace: ns, name: 'agent' });
      return d.spec?.template?.metadata?.annotations?.['kagenti.io/keycloak-client-credentials-secret-name'] === secretNames.get(ns) ? true : undefined;
    }, 60_000, `the annotation in ${ns}`);
    const deployment = await apps.readNamespacedDeployment({ namespace: ns, name: 'agent' });
    // The annotation was written once: one rollout to it, so at most two ReplicaSets (before and after).
    expect(deployment.metadata?.generation).toBeLessThanOrEqual(2);
    // Every change is reported exactly once, a pass retried after a kill included.
    const events = (await core.listNamespacedEvent({ namespace: ns })).items.filter((e) => e.source?.component === 'kagenti-waypoint-provisioner');
    const count = changeCounts(events);
    for (const reason of ['AmbientLabelsSet', 'WaypointCreated', 'KeycloakClientCreated', 'CredentialsSecretCreated', 'CredentialsAnnotated']) expect({ ns, reason, count: count(reason) }).toEqual({ ns, reason, count: 1 });
  }
  // No client secret in the logs of the real worker processes (the SDK's and the workflows' lines
  // included), nor in any payload of their histories.
  expect(findSecrets([output.join('')], clientSecrets, 'the worker processes\' output')).toEqual([]);
  const scan = await scanHistories(provisioner().client, `TaskQueue = '${provisioner().settings.taskQueue}'`, clientSecrets);
  expect(scan.histories).toBeGreaterThanOrEqual(NAMESPACES);
  expect(scan.findings).toEqual([]);
}, 400_000);
