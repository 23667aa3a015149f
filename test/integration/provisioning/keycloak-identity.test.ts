import KcAdminClient from '@keycloak/keycloak-admin-client';
import { ensureProvisionerIdentity } from '../../../tools/keycloak/provisioner-identity';
import { credentialsSecretName } from '../../../model/names';
import { core, createAgentDeployment, createNamespace, provisionerEvents, readSecretOrUndefined } from '../../harness/cluster';
import { eventually } from '../../harness/eventually';
import { startProvisioner, TestProvisioner } from '../../harness/provisioner';
import { keycloakAdmin, testStack, uniqueName } from '../../harness/stack';

// The provisioner's Keycloak identity: a service-account client of the realm it works in, holding
// only realm-management's manage-clients (tools/keycloak/provisioner-identity.ts). What it may not do,
// Keycloak refuses; without its one role nothing works, reported; the legacy master-admin form still
// works and is warned of once. The stack's real istiod programs the waypoints.

async function loginAs(clientId: string, clientSecret: string, realm = testStack().keycloak.realm): Promise<KcAdminClient> {
  const admin = new KcAdminClient({ baseUrl: testStack().keycloak.url, realmName: realm });
  await admin.auth({ grantType: 'client_credentials', clientId, clientSecret });
  return admin;
}

const status = (error: unknown) => (error as { response?: { status?: number } }).response?.status;

describe("the provisioner's identity, as Keycloak sees it", () => {
  let identity: KcAdminClient;
  beforeAll(async () => {
    const { clientId, clientSecret } = testStack().keycloak.provisioner;
    identity = await loginAs(clientId, clientSecret);
  });

  test('what provisioning needs is allowed: clients and client scopes of its realm', async () => {
    expect(Array.isArray(await identity.clients.find({ max: 1 }))).toBe(true);
    expect(Array.isArray(await identity.clientScopes.find())).toBe(true);
  });

  test.each<[string, (admin: KcAdminClient) => Promise<unknown>]>([
    ['creating a realm', (admin) => admin.realms.create({ realm: uniqueName('evil'), enabled: true })],
    ['reading users', (admin) => admin.users.find({ max: 1 })],
    ['changing realm settings', (admin) => admin.realms.update({ realm: testStack().keycloak.realm }, { registrationAllowed: true })],
    ['reading the master realm', async (admin) => {
      admin.setConfig({ realmName: 'master' });
      try {
        return await admin.clients.find({ max: 1 });
      } finally {
        admin.setConfig({ realmName: testStack().keycloak.realm });
      }
    }],
    ['giving its own service account another role', async (admin) => {
      const [realmManagement] = await (await keycloakAdmin()).clients.find({ clientId: 'realm-management' });
      const [self] = await (await keycloakAdmin()).clients.find({ clientId: testStack().keycloak.provisioner.clientId });
      const user = await (await keycloakAdmin()).clients.getServiceAccountUser({ id: self.id! });
      const realmAdmin = (await (await keycloakAdmin()).clients.listRoles({ id: realmManagement.id! })).find((r) => r.name === 'realm-admin')!;
      return admin.users.addClientRoleMappings({ id: user.id!, clientUniqueId: realmManagement.id!, roles: [{ id: realmAdmin.id!, name: realmAdmin.name! }] });
    }],
  ])('%s is refused by Keycloak (403)', async (_what, attempt) => {
    await expect(attempt(identity).then(() => 'allowed', status)).resolves.toBe(403);
  });

  test('it cannot even log in to another realm', async () => {
    const { clientId, clientSecret } = testStack().keycloak.provisioner;
    await expect(loginAs(clientId, clientSecret, 'master').then(() => 'allowed', status)).resolves.toBe(401);
  });
});

describe('an identity without manage-clients', () => {
  const clientId = uniqueName('provisioner-without-roles');
  let provisioner: TestProvisioner;
  beforeAll(async () => {
    const { clientSecret } = await ensureProvisionerIdentity(await keycloakAdmin(), { clientId, roles: [] });
    provisioner = await startProvisioner({ adminSecret: false });
    await core.createNamespacedSecret({
      namespace: provisioner.settings.operatorNamespace,
      body: { metadata: { name: 'keycloak-admin-secret' }, stringData: { KEYCLOAK_CLIENT_ID: clientId, KEYCLOAK_CLIENT_SECRET: clientSecret } },
    });
  });
  afterAll(async () => provisioner?.stop());

  test('registers nothing and says why; granting the role heals the namespace without a restart', async () => {
    const namespace = uniqueName('no-role');
    await createNamespace(namespace);
    await createAgentDeployment(namespace, 'agent');
    const warning = await eventually(async () => (await provisionerEvents(namespace)).find((e) => e.reason === 'KeycloakForbidden'), 20_000, 'a Warning KeycloakForbidden');
    expect(warning.message).toMatch(/refused \/admin\/realms\/kagenti\/clients.*\(403\).*lacks the realm-management role/);
    expect(await readSecretOrUndefined(namespace, credentialsSecretName(namespace, 'agent'))).toBeUndefined();

    await ensureProvisionerIdentity(await keycloakAdmin(), { clientId });
    await eventually(() => readSecretOrUndefined(namespace, credentialsSecretName(namespace, 'agent')), 20_000, 'the credentials Secret once manage-clients is granted');
  });
});

describe('the legacy master-admin credentials', () => {
  let provisioner: TestProvisioner;
  beforeAll(async () => (provisioner = await startProvisioner({ adminSecret: 'legacy' })));
  afterAll(async () => provisioner?.stop());

  test('still work, and one Warning Event on the operator namespace says they are the legacy form', async () => {
    const namespaces = [uniqueName('legacy'), uniqueName('legacy')];
    for (const namespace of namespaces) {
      await createNamespace(namespace);
      await createAgentDeployment(namespace, 'agent');
      await createAgentDeployment(namespace, 'second');
    }
    for (const namespace of namespaces) await eventually(() => readSecretOrUndefined(namespace, credentialsSecretName(namespace, 'second')), 30_000, `the credentials Secret in ${namespace}`);
    const warnings = (await provisionerEvents(provisioner.settings.operatorNamespace)).filter((e) => e.reason === 'KeycloakLegacyAdminCredentials');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ type: 'Warning', count: 1 });
    expect(warnings[0].message).toContain('KEYCLOAK_CLIENT_ID');
  });
});
