import { credentialsSecretName } from '../../../model/names';
import { namespaceWorkflowId } from '../../../model/workflow-ids';
import { getStatusQuery } from '../../../workflows/messages';
import { core, createAgentDeployment, createNamespace, decode, eventReasons, readGateway, readSecretOrUndefined } from '../../harness/cluster';
import { eventually } from '../../harness/eventually';
import { startProvisioner, TestProvisioner } from '../../harness/provisioner';
import { keycloakAdmin, testStack, uniqueName } from '../../harness/stack';
import { recordHistoryWhenAsked } from '../../harness/recorded-history';


async function finalWorkloads(provisioner: TestProvisioner, namespace: string, count: number) {
  const handle = provisioner.client.workflow.getHandle(namespaceWorkflowId(namespace));
  return eventually(async () => {
    const status = await handle.query(getStatusQuery);
    return !status.pending && status.last && status.last.workloads.length === count ? status.last.workloads : undefined;
  }, 20_000, `${count} workload results`);
}

describe('which workloads get a client (tools off by default)', () => {
  let provisioner: TestProvisioner;
  beforeAll(async () => (provisioner = await startProvisioner()));
  afterAll(async () => provisioner?.stop());

  test('legacy in-pod registration is left alone; tools get a waypoint but no client', async () => {
    const namespace = uniqueName('mixed');
    await createNamespace(namespace);
    await createAgentDeployment(namespace, 'legacy', { templateLabels: { 'kagenti.io/client-registration-inject': 'true' } });
    await createAgentDeployment(namespace, 'a-tool', { type: 'tool' });
    await createAgentDeployment(namespace, 'agent');
    const workloads = await finalWorkloads(provisioner, namespace, 3);
    expect(workloads.map((w) => [w.name, w.state])).toEqual([
      ['a-tool', 'skipped'],
      ['agent', 'registered'],
      ['legacy', 'skipped'],
    ]);
    expect(await readGateway(namespace, `${namespace}-waypoint`)).toBeDefined();
    const admin = await keycloakAdmin();
    expect(await admin.clients.find({ clientId: `${namespace}/legacy` })).toEqual([]);
    expect(await admin.clients.find({ clientId: `${namespace}/a-tool` })).toEqual([]);
    expect(await readSecretOrUndefined(namespace, credentialsSecretName(namespace, 'legacy'))).toBeUndefined();
  });

  test('a namespace with only tools is still an agent namespace: labels and waypoint', async () => {
    const namespace = uniqueName('tools');
    await createNamespace(namespace);
    await createAgentDeployment(namespace, 'search-tool', { type: 'tool' });
    await eventually(() => readGateway(namespace, `${namespace}-waypoint`), 20_000, 'the Gateway');
    const ns = await core.readNamespace({ name: namespace });
    expect(ns.metadata?.labels?.['istio.io/dataplane-mode']).toBe('ambient');
  });
});

describe('with tools on and SPIRE client ids', () => {
  let provisioner: TestProvisioner;
  beforeAll(async () => {
    provisioner = await startProvisioner({
      settings: { injectTools: true, spireTrustDomain: 'example.org' },
      operatorConfig: { KEYCLOAK_URL: testStack().keycloak.url, KEYCLOAK_REALM: testStack().keycloak.realm, SPIRE_ENABLED: 'true' },
    });
  });
  afterAll(async () => provisioner?.stop());

  test('the client id is the SPIFFE id of the ServiceAccount; the default ServiceAccount is a reported error', async () => {
    const namespace = uniqueName('spire');
    await createNamespace(namespace);
    await createAgentDeployment(namespace, 'tool-with-sa', { type: 'tool', serviceAccountName: 'tool-sa' });
    await createAgentDeployment(namespace, 'no-sa');
    const workloads = await finalWorkloads(provisioner, namespace, 2);
    const spiffeId = `spiffe://example.org/ns/${namespace}/sa/tool-sa`;
    expect(workloads).toEqual([
      expect.objectContaining({ name: 'no-sa', state: 'failed', detail: expect.stringContaining('give it a dedicated serviceAccountName') }),
      expect.objectContaining({ name: 'tool-with-sa', state: 'registered', clientId: spiffeId }),
    ]);
    const secret = await readSecretOrUndefined(namespace, credentialsSecretName(namespace, 'tool-with-sa'));
    expect(decode(secret!.data!['client-id.txt'])).toBe(spiffeId);
    const admin = await keycloakAdmin();
    const [client] = await admin.clients.find({ clientId: spiffeId });
    expect(client.name).toBe(`${namespace}/tool-with-sa`);
    expect(await eventReasons(namespace)).toContain('ClientRegistrationFailed');
    await recordHistoryWhenAsked(provisioner.client.workflow.getHandle(namespaceWorkflowId(namespace)), 'spire-and-invalid-workload');
  });
});
