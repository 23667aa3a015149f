import { keycloakAdmin, testStack, uniqueName } from '../../harness/stack';

describe('local Keycloak', () => {
  test('admin login works and the realm kagenti has the platform client kagenti', async () => {
    const admin = await keycloakAdmin();
    const realm = await admin.realms.findOne({ realm: testStack().keycloak.realm });
    expect(realm?.enabled).toBe(true);
    const [platform] = await admin.clients.find({ clientId: 'kagenti' });
    expect(platform).toMatchObject({ clientId: 'kagenti', publicClient: false, serviceAccountsEnabled: true });
  });

  test('a wrong admin password is refused', async () => {
    const { keycloak } = testStack();
    const response = await fetch(`${keycloak.url}/realms/master/protocol/openid-connect/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'password', client_id: 'admin-cli', username: keycloak.adminUsername, password: 'wrong' }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_grant' });
  });

  test('creating a client twice gives the 409 conflict', async () => {
    const admin = await keycloakAdmin();
    const clientId = uniqueName('dup-client');
    const created = await admin.clients.create({ clientId, publicClient: false });
    expect(created.id).toMatch(/[0-9a-f-]{36}/);
    await expect(admin.clients.create({ clientId, publicClient: false })).rejects.toMatchObject({ response: { status: 409 } });
    await admin.clients.del({ id: created.id });
  });
});
