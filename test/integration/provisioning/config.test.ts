import { credentialsSecretName } from '../../../model/names';
import { namespaceWorkflowId } from '../../../model/workflow-ids';
import { getStatusQuery } from '../../../workflows/messages';
import { core, createAgentDeployment, createNamespace, eventReasons, readGateway, readSecretOrUndefined } from '../../harness/cluster';
import { eventually } from '../../harness/eventually';
import { startProvisioner, TestProvisioner } from '../../harness/provisioner';
import { adminSecretData, testStack, uniqueName } from '../../harness/stack';
import { recordHistoryWhenAsked } from '../../harness/recorded-history';


const keycloakConfig = () => ({ KEYCLOAK_URL: testStack().keycloak.url, KEYCLOAK_REALM: testStack().keycloak.realm });
/** The operator's approval of the stack's realm for namespace configs (docs/security.md). */
const approval = () => ({ APPROVED_KEYCLOAK_REALMS: `${testStack().keycloak.url}/realms/${testStack().keycloak.realm}` });
const adminSecret = (namespace: string) =>
  core.createNamespacedSecret({
    namespace,
    body: { metadata: { name: 'keycloak-admin-secret' }, stringData: adminSecretData() },
  });

async function waitingReasons(provisioner: TestProvisioner, namespace: string, expected: string[]): Promise<void> {
  const handle = provisioner.client.workflow.getHandle(namespaceWorkflowId(namespace));
  await eventually(async () => {
    const status = await handle.query(getStatusQuery);
    const reasons = (status.last?.waiting ?? []).map((w) => w.reason).sort();
    return JSON.stringify(reasons) === JSON.stringify([...expected].sort()) ? true : undefined;
  }, 20_000, `waiting reasons ${expected.join(', ') || '(none)'}`);
}

describe('with no operator config and no admin Secret', () => {
  let provisioner: TestProvisioner;
  beforeAll(async () => (provisioner = await startProvisioner({ operatorConfig: false, adminSecret: false })));
  afterAll(async () => provisioner?.stop());

  test('each missing piece is a reported waiting state; the admin Secret of an agent namespace is never used', async () => {
    const namespace = uniqueName('cfg');
    const secretName = credentialsSecretName(namespace, 'agent');
    await createNamespace(namespace);
    await createAgentDeployment(namespace, 'agent');

    // No config anywhere: the waypoint is still provisioned; registration waits.
    await waitingReasons(provisioner, namespace, ['KeycloakConfigMissing']);
    expect(await readGateway(namespace, `${namespace}-waypoint`)).toBeDefined();
    expect(await eventReasons(namespace)).toContain('KeycloakConfigMissing');

    // The namespace's own authbridge-config, written by its tenant: not used until the operator approves its realm.
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'authbridge-config' }, data: keycloakConfig() } });
    await waitingReasons(provisioner, namespace, ['KeycloakRealmNotApproved']);

    // Approved (backward compatibility with the sidecar-mode layout); now the admin Secret is missing.
    await core.createNamespacedConfigMap({ namespace: provisioner.settings.operatorNamespace, body: { metadata: { name: 'kagenti-operator-config' }, data: approval() } });
    await waitingReasons(provisioner, namespace, ['KeycloakAdminSecretMissing']);

    // Valid admin credentials in the agent namespace: warned about, and still not used.
    await adminSecret(namespace);
    await eventually(async () => ((await eventReasons(namespace)).includes('AdminSecretInAgentNamespace') ? true : undefined), 20_000, 'the warning Event');
    await waitingReasons(provisioner, namespace, ['KeycloakAdminSecretMissing']);
    expect(await readSecretOrUndefined(namespace, secretName)).toBeUndefined();

    // The admin Secret in the operator namespace: provisioning completes without any further event.
    await adminSecret(provisioner.settings.operatorNamespace);
    await eventually(() => readSecretOrUndefined(namespace, secretName), 20_000, 'the credentials Secret');
    await waitingReasons(provisioner, namespace, []);
    await recordHistoryWhenAsked(provisioner.client.workflow.getHandle(namespaceWorkflowId(namespace)), 'waiting-for-config');
    
  });
});

describe('operator config versus the namespace config', () => {
  let provisioner: TestProvisioner;
  beforeAll(async () => (provisioner = await startProvisioner({ operatorConfig: { KEYCLOAK_URL: testStack().keycloak.url, ...approval() } })));
  afterAll(async () => provisioner?.stop());

  test('an incomplete operator config (no KEYCLOAK_REALM) falls back to the namespace config of an approved realm', async () => {
    const namespace = uniqueName('fallback');
    await createNamespace(namespace);
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'authbridge-config' }, data: keycloakConfig() } });
    await createAgentDeployment(namespace, 'agent');
    await eventually(() => readSecretOrUndefined(namespace, credentialsSecretName(namespace, 'agent')), 20_000, 'the credentials Secret');
  });

  test('a complete operator config wins over the namespace config, with no merging', async () => {
    await core.replaceNamespacedConfigMap({
      namespace: provisioner.settings.operatorNamespace,
      name: 'kagenti-operator-config',
      body: { metadata: { name: 'kagenti-operator-config' }, data: keycloakConfig() },
    });
    const namespace = uniqueName('operator-wins');
    await createNamespace(namespace);
    // Unusable if it were read: nothing listens there.
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'authbridge-config' }, data: { KEYCLOAK_URL: 'http://127.0.0.1:9', KEYCLOAK_REALM: 'nowhere' } } });
    await createAgentDeployment(namespace, 'agent');
    await eventually(() => readSecretOrUndefined(namespace, credentialsSecretName(namespace, 'agent')), 20_000, 'the credentials Secret');
  });
});
