import { audienceScopeName, credentialsSecretName } from '../../../model/names';
import { namespaceWorkflowId } from '../../../model/workflow-ids';
import { getStatusQuery } from '../../../workflows/messages';
import { apps, core, createAgentDeployment, createNamespace, custom, eventReasons, readGateway, readSecretOrUndefined } from '../../harness/cluster';
import { MERGE_PATCH } from '../../../activities/kubernetes/clients';
import { eventually } from '../../harness/eventually';
import { scheduledActivityTypes } from '../../harness/history';
import { provisionedSuite } from '../../harness/provisioned-suite';
import { keycloakAdmin, uniqueName } from '../../harness/stack';
import { recordHistoryWhenAsked } from '../../harness/recorded-history';

// The stack's real istiod programs the waypoints.
const provisioner = provisionedSuite();

const gatewayRef = (namespace: string) => ({ group: 'gateway.networking.k8s.io', version: 'v1', namespace, plural: 'gateways', name: `${namespace}-waypoint` });

async function provisioned(namespace: string, workload: string): Promise<void> {
  const name = credentialsSecretName(namespace, workload);
  await eventually(async () => {
    const d = await apps.readNamespacedDeployment({ namespace, name: workload });
    return d.spec?.template?.metadata?.annotations?.['kagenti.io/keycloak-client-credentials-secret-name'] === name ? true : undefined;
  }, 30_000, `${namespace}/${workload} to be provisioned`);
}

/** The activities one run of the namespace's workflow scheduled, once it has finished a pass. */
async function scheduledActivities(namespace: string, runId?: string): Promise<string[]> {
  const handle = provisioner().client.workflow.getHandle(namespaceWorkflowId(namespace), runId);
  await eventually(async () => ((await handle.query(getStatusQuery)).passes > 0 ? true : undefined), 20_000, 'a finished pass');
  return scheduledActivityTypes(handle);
}

async function clientExists(clientId: string): Promise<boolean> {
  const admin = await keycloakAdmin();
  return (await admin.clients.find({ clientId })).length > 0;
}

describe('drift is repaired within seconds', () => {
  const namespace = uniqueName('drift');
  beforeAll(async () => {
    await createNamespace(namespace);
    await createAgentDeployment(namespace, 'agent-a');
    await provisioned(namespace, 'agent-a');
  });

  test('a deleted Gateway is recreated', async () => {
    const before = await readGateway(namespace, `${namespace}-waypoint`);
    await custom.deleteNamespacedCustomObject(gatewayRef(namespace));
    const after = await eventually(async () => {
      const g = await readGateway(namespace, `${namespace}-waypoint`);
      return g && g.metadata.uid !== before!.metadata.uid ? g : undefined;
    }, 10_000, 'the Gateway to be recreated');
    expect(after.spec.gatewayClassName).toBe('istio-waypoint');
  });

  test('a changed listener and an extra listener are repaired', async () => {
    await custom.patchNamespacedCustomObject(
      { ...gatewayRef(namespace), body: { spec: { listeners: [{ name: 'mesh', port: 15009, protocol: 'HBONE' }, { name: 'extra', port: 8080, protocol: 'HTTP' }] } } },
      MERGE_PATCH,
    );
    const repaired = await eventually(async () => {
      const g = await readGateway(namespace, `${namespace}-waypoint`);
      return g?.spec.listeners.length === 1 && g.spec.listeners[0].port === 15008 ? g : undefined;
    }, 10_000, 'the listeners to be repaired');
    expect(repaired.spec.listeners[0]).toMatchObject({ name: 'mesh', port: 15008, protocol: 'HBONE' });
  });

  test('a removed namespace label is restored', async () => {
    await core.patchNamespace({ name: namespace, body: { metadata: { labels: { 'istio.io/dataplane-mode': null } } } }, MERGE_PATCH);
    await eventually(async () => {
      const ns = await core.readNamespace({ name: namespace });
      return ns.metadata?.labels?.['istio.io/dataplane-mode'] === 'ambient' ? true : undefined;
    }, 10_000, 'the label to be restored');
  });

  test('a deleted credentials Secret is recreated, with the same client secret', async () => {
    const name = credentialsSecretName(namespace, 'agent-a');
    const before = (await readSecretOrUndefined(namespace, name))!;
    await core.deleteNamespacedSecret({ namespace, name });
    const after = await eventually(async () => {
      const s = await readSecretOrUndefined(namespace, name);
      return s && s.metadata?.uid !== before.metadata?.uid ? s : undefined;
    }, 10_000, 'the Secret to be recreated');
    expect(after.data).toEqual(before.data);
    expect(await eventReasons(namespace)).toEqual(expect.arrayContaining(['WaypointRepaired', 'CredentialsSecretCreated']));
  });
});

describe('removal', () => {
  test('a client that exists before its workload is first seen is repaired in place, not duplicated', async () => {
    const namespace = uniqueName('existing');
    const admin = await keycloakAdmin();
    // Made elsewhere before the provisioner ever saw the workload: its create (a new workload's first) meets a 409.
    const { id } = await admin.clients.create({ clientId: `${namespace}/agent`, publicClient: false, directAccessGrantsEnabled: false });
    await createNamespace(namespace);
    await createAgentDeployment(namespace, 'agent');
    await provisioned(namespace, 'agent');

    const clients = await admin.clients.find({ clientId: `${namespace}/agent` });
    expect(clients.map((c) => c.id)).toEqual([id]);
    expect(clients[0]).toMatchObject({ directAccessGrantsEnabled: true, serviceAccountsEnabled: true });
    const secret = await readSecretOrUndefined(namespace, credentialsSecretName(namespace, 'agent'));
    expect(Buffer.from(secret!.data!['client-secret.txt'], 'base64').toString()).toBe((await admin.clients.getClientSecret({ id })).value);
  });

  test('a deleted workload loses its Keycloak client and audience scope; the other keeps its own', async () => {
    const namespace = uniqueName('removal');
    await createNamespace(namespace);
    await createAgentDeployment(namespace, 'stays');
    await createAgentDeployment(namespace, 'goes');
    await provisioned(namespace, 'stays');
    await provisioned(namespace, 'goes');
    expect(await clientExists(`${namespace}/goes`)).toBe(true);

    await apps.deleteNamespacedDeployment({ namespace, name: 'goes' });
    await eventually(async () => ((await clientExists(`${namespace}/goes`)) ? undefined : true), 15_000, 'the client to be deleted');
    const admin = await keycloakAdmin();
    expect(await admin.clientScopes.findOneByName({ name: audienceScopeName(namespace, 'goes') })).toBeUndefined();
    expect(await clientExists(`${namespace}/stays`)).toBe(true);
    expect(await admin.clientScopes.findOneByName({ name: audienceScopeName(namespace, 'stays') })).toBeDefined();
    await recordHistoryWhenAsked(provisioner().client.workflow.getHandle(namespaceWorkflowId(namespace)), 'workload-removed');
  });

  test('a new namespace is registered without a stale-client search; a run started anew on a provisioned one searches', async () => {
    const namespace = uniqueName('stale');
    const activities = (runId: string) => scheduledActivities(namespace, runId);
    const count = (names: string[], name: string) => names.filter((n) => n === name).length;
    await createNamespace(namespace);
    // No replicas: no pod events, so passes come only from what the test does.
    await createAgentDeployment(namespace, 'stays', { replicas: 0 });
    await provisioned(namespace, 'stays');
    const handle = provisioner().client.workflow.getHandle(namespaceWorkflowId(namespace));
    const firstRun = (await handle.describe()).runId;
    const firstActivities = await activities(firstRun);
    const { passes } = await handle.query(getStatusQuery);
    expect(firstActivities).toContain('registerWorkload');
    // Every later pass searches; the first one, on a namespace never provisioned, does not.
    expect(count(firstActivities, 'deleteStaleKeycloakClients')).toBe(passes - 1);

    await createAgentDeployment(namespace, 'goes', { replicas: 0 });
    await provisioned(namespace, 'goes');
    // A run ended by hand forgets what it registered; a workload goes while no run is there.
    await handle.terminate('test: a run ended by hand');
    await apps.deleteNamespacedDeployment({ namespace, name: 'goes' });
    // The deletion starts a new run. The namespace carries its status annotation, so the first pass searches.
    await eventually(async () => ((await clientExists(`${namespace}/goes`)) ? undefined : true), 30_000, 'the stale client to be deleted');
    const secondRun = (await handle.describe()).runId;
    expect(secondRun).not.toBe(firstRun);
    expect(await activities(secondRun)).toContain('deleteStaleKeycloakClients');
    await recordHistoryWhenAsked(provisioner().client.workflow.getHandle(namespaceWorkflowId(namespace), firstRun), 'first-pass-without-stale-search-then-terminated');
    expect(await clientExists(`${namespace}/stays`)).toBe(true);
  });

  test('a deleted namespace loses all its clients and its workflow ends', async () => {
    const namespace = uniqueName('bye');
    await createNamespace(namespace);
    await createAgentDeployment(namespace, 'one');
    await createAgentDeployment(namespace, 'two');
    await provisioned(namespace, 'one');
    await provisioned(namespace, 'two');

    await core.deleteNamespace({ name: namespace });
    const handle = provisioner().client.workflow.getHandle(namespaceWorkflowId(namespace));
    expect(await handle.result()).toBe('deleted');
    expect(await clientExists(`${namespace}/one`)).toBe(false);
    expect(await clientExists(`${namespace}/two`)).toBe(false);
    const admin = await keycloakAdmin();
    expect(await admin.clientScopes.findOneByName({ name: audienceScopeName(namespace, 'one') })).toBeUndefined();
    await recordHistoryWhenAsked(handle, 'namespace-deleted');
  });
});
